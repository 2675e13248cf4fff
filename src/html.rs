//! HTML in text: strip it to plain text, or find the text between tags so
//! that only that is cleaned. (Placeholder.)
