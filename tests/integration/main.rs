//! Integration tests: real guest components (built by `cargo xtask build-guests`) run in
//! the real sandbox against the emulated service.

mod batches;
mod callbacks;
mod capacity;
mod cli;
mod common;
mod js;
mod polling;
mod postgres;
mod python;
mod quickstart;
mod replay;
mod sandbox;
mod server;
mod steps;
mod store;
mod testing_powers;
