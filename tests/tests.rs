//! The one integration test binary: modules per feature.

mod cli;
mod opencc;
mod util;
