//! A guest that misbehaves on purpose, one way per input `{"attack": "<name>", ...}`.
//! The hostile suite (tests/hostile) checks the sandbox contains each attack with a
//! named error and that nothing outside the sandbox is touched.

mod fuzz;

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use durabox_sdk::{DurableContext, DurableError, DurableResult, Error};
use serde_json::{json, Value};

fn handler(ctx: &DurableContext, input: Value) -> DurableResult<Value> {
    match input["attack"].as_str().unwrap_or_default() {
        "recurse" => Ok(json!(recurse(black_box(1)))),
        "slow_burn" => slow_burn(),
        "files" => Ok(files(
            input["path"].as_str().unwrap_or("/tmp/durabox-hostile"),
        )),
        "env" => Ok(json!(std::env::vars().collect::<Vec<_>>())),
        "sockets" => Ok(sockets(input["address"].as_str().unwrap_or("127.0.0.1:9"))),
        "clock_random" => clock_random(ctx),
        "huge_logs" => huge_logs(ctx),
        "huge_result" => Ok(json!("x".repeat(7 << 20))),
        "huge_step" => {
            let big: String = ctx.step("big", |_| Ok("y".repeat(2 << 20)))?;
            Ok(json!(big.len()))
        }
        "after_suspend" => after_suspend(ctx),
        "inside_step" => {
            let value: u32 = ctx.step("outer", |_| {
                // A step body must not issue durable operations.
                let inner: DurableResult<u32> = ctx.step("inner", |_| Ok(1));
                inner.map_err(|e| Error::msg(e.to_string()))
            })?;
            Ok(json!(value))
        }
        "abort" => std::process::abort(),
        "fuzz" => {
            let seed = input["seed"].as_u64().unwrap_or(1);
            let actions = input["actions"].as_u64().unwrap_or(40) as u32;
            let hostile = input["hostile"].as_u64().unwrap_or(4);
            let nested = input["nested"].as_bool().unwrap_or(false);
            match fuzz::fuzz(ctx.raw_context(), seed, actions, hostile, nested) {
                Some(calls) => Ok(json!({ "calls": calls })),
                None => Err(DurableError::Suspended),
            }
        }
        other => Err(Error::new("UnknownAttack", format!("unknown attack {other:?}")).into()),
    }
}

durabox_sdk::handler!(handler);

/// Recursion in WebAssembly locals: it exhausts the wasm call stack.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    black_box(recurse(black_box(depth + 1))) + depth
}

/// Little fuel per second of wall time: only the wall-clock limit stops it.
fn slow_burn() -> ! {
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Tries to read, write and list the host's files; returns what each attempt got.
fn files(path: &str) -> Value {
    let result = |r: std::io::Result<String>| match r {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({
        "read_passwd": result(std::fs::read_to_string("/etc/passwd")),
        "write": result(std::fs::write(path, "hostile").map(|()| "written".to_string())),
        "list_root": result(std::fs::read_dir("/").map(|d| format!("{} entries", d.count()))),
        "cwd": result(std::env::current_dir().map(|p| p.display().to_string())),
    })
}

fn sockets(address: &str) -> Value {
    let connect = std::net::TcpStream::connect(address)
        .map(|_| "connected".to_string())
        .map_err(|e| e.to_string());
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .map(|l| format!("listening on {:?}", l.local_addr()))
        .map_err(|e| e.to_string());
    json!({ "connect": format!("{connect:?}"), "listen": format!("{listen:?}") })
}

/// Reads the clock and random numbers outside any step (a replay hazard on AWS),
/// then inside a step (fine).
fn clock_random(ctx: &DurableContext) -> DurableResult<Value> {
    let _ = ctx.step("first", |_| Ok(1))?;
    let outside = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut noise = [0u8; 8];
    getrandom::fill(&mut noise).map_err(|e| Error::msg(e.to_string()))?;
    let inside: u64 = ctx.step("stamp", |_| {
        Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64)
    })?;
    Ok(json!({ "outside": outside.as_millis() as u64, "inside": inside }))
}

fn huge_logs(ctx: &DurableContext) -> DurableResult<Value> {
    let line = "z".repeat(100_000);
    for _ in 0..200 {
        ctx.logger().info(&line);
    }
    for i in 0..50_000 {
        ctx.logger().info(format!("line {i}"));
    }
    for _ in 0..100 {
        println!("{line}");
    }
    Ok(json!("logged"))
}

/// Swallows the suspension of a wait and keeps issuing durable operations.
fn after_suspend(ctx: &DurableContext) -> DurableResult<Value> {
    if let Err(DurableError::Suspended) = ctx.wait(Duration::from_secs(5)) {
        let _: u32 = ctx.step("after", |_| Ok(1))?;
    }
    Ok(json!("unreachable"))
}
