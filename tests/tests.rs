//! The one integration test binary: modules per feature.

mod normalize;
mod opencc;
