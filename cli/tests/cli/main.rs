//! End-to-end tests of the `hologram` binary: every command and option,
//! against the embedded simulator, the in-process `CloudSim`, the standalone
//! `hologram cloud-sim` and a loopback capture server.

mod cloud_sim;
mod common;
mod file;
mod input;
mod keys;
mod misc;
mod modem;
mod outbox;
mod plugins;
mod secrets;
mod send;
mod sms;
mod validation;
