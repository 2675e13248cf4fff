//! The one integration test binary: modules per feature.

mod attacks;
mod cli;
mod cli_edges;
mod driver;
mod normalize;
mod opencc;
mod repair;
mod report_html;
mod util;
mod walk_edges;
