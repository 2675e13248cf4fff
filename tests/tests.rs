//! The one integration test binary: modules per feature.

mod opencc;
mod normalize;
mod repair;
