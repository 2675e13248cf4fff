//! The one integration test binary: modules per feature.

mod cli;
mod opencc;
mod normalize;
mod repair;
mod util;
