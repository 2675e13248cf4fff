//! The one integration test binary: modules per feature.

mod cli;
mod cli_edges;
mod driver;
mod normalize;
mod opencc;
mod repair;
mod util;
