//! OpenCC exactness: testcases.json and golden files.
