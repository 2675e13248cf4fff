//! The one integration test binary: modules per feature.

mod attacks;
mod cli;
mod driver;
mod normalize;
mod opencc;
mod repair;
mod util;
