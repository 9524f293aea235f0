//! The summary table printed at the end of a run, from the JSON it is written as.

use serde_json::Value;

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn ms(v: &Value) -> String {
    num(v).map_or_else(|| "–".into(), |x| format!("{x:.1}"))
}

/// `x` as a multiple of the pgbench three-statement baseline.
fn ratio(x: &Value, base: &Value) -> String {
    match (num(x), num(base)) {
        (Some(x), Some(b)) if b > 0.0 => format!("{:.3} × pgbench 3-stmt", x / b),
        _ => String::new(),
    }
}

fn errors_of(v: &Value) -> String {
    match v["errors"].as_u64() {
        Some(0) | None => "0 errors".into(),
        Some(n) => format!("{n} ERRORS {}", v["error_kinds"]),
    }
}

fn rate_row(rows: &mut Vec<[String; 3]>, name: &str, unit: &str, v: &Value, base: &Value) {
    if v.is_null() {
        return;
    }
    rows.push([
        name.into(),
        format!(
            "{:.1} {unit}/s, p50 {} ms, p99 {} ms ({} ok, {})",
            num(&v["per_second"]).unwrap_or(0.0),
            ms(&v["p50_ms"]),
            ms(&v["p99_ms"]),
            v["ok"],
            errors_of(v)
        ),
        ratio(&v["per_second"], base),
    ]);
}

/// One row per step of the full flow: where its time goes.
fn steps_rows(rows: &mut Vec<[String; 3]>, mode: &str, flow: &Value) {
    for step in flow["steps"].as_array().into_iter().flatten() {
        rows.push([
            format!("  {mode} flow step"),
            format!(
                "{}: p50 {} ms, p99 {} ms",
                step["step"].as_str().unwrap_or(""),
                ms(&step["p50_ms"]),
                ms(&step["p99_ms"])
            ),
            String::new(),
        ]);
    }
}

/// Prints the summary as one table: figure, value, ratio to the baseline.
pub fn print(s: &Value) {
    let base = &s["baseline"]["pgbench_three_statement_tps"];
    let m = &s["machine"];
    let mut rows: Vec<[String; 3]> = vec![
        [
            "machine".into(),
            format!(
                "{} cpus, load {} before, {} after",
                m["cpus"],
                m["load_before"].as_str().unwrap_or(""),
                m["load_after"].as_str().unwrap_or("")
            ),
            String::new(),
        ],
        [
            "baseline: pgbench one-row insert".into(),
            format!("{} tx/s", ms(&s["baseline"]["pgbench_one_row_tps"])),
            String::new(),
        ],
        [
            "baseline: pgbench 3-statement write".into(),
            format!("{} tx/s", ms(base)),
            String::new(),
        ],
        [
            "load".into(),
            format!(
                "{} concurrent clients, polls every {} ms in the flow",
                s["settings"]["concurrency"], s["settings"]["poll_ms"]
            ),
            String::new(),
        ],
    ];
    let d = &s["distributed"];
    rate_row(
        &mut rows,
        "distributed submit",
        "applications",
        &d["submit"],
        base,
    );
    rate_row(
        &mut rows,
        "distributed full flow (end to end)",
        "cases",
        &d["flow"],
        base,
    );
    steps_rows(&mut rows, "distributed", &d["flow"]);
    rate_row(
        &mut rows,
        "distributed read (case status)",
        "lookups",
        &d["read"],
        &Value::Null,
    );
    let dl = &d["deadline"];
    if !dl.is_null() {
        let sc = &dl["schedule"];
        let b = &dl["burst"];
        rows.push([
            "deadline: running clocks".into(),
            format!(
                "{} ({} seeded by SQL in bulk in {:.0} s, not the service path)",
                dl["running_clocks"],
                dl["seeded_by_sql"],
                num(&dl["seed_seconds"]).unwrap_or(0.0)
            ),
            String::new(),
        ]);
        rows.push([
            "deadline: schedule rate (real bus + consumer)".into(),
            format!(
                "{:.0} clocks/s overall, {} clocks/s steady; sample of {} events ({} started, {} publish errors)",
                num(&sc["per_second"]).unwrap_or(0.0),
                num(&sc["steady_per_second"]).map_or("–".into(), |x| format!("{x:.0}")),
                sc["events"],
                sc["clocks_started"],
                sc["publish_errors"]
            ),
            ratio(&sc["per_second"], base),
        ]);
        rows.push([
            "deadline: firing lag under a burst".into(),
            format!(
                "p50 {} ms, p99 {} ms, max {} ms ({} of {} due at once fired)",
                ms(&b["lag_ms_p50"]),
                ms(&b["lag_ms_p99"]),
                ms(&b["lag_ms_max"]),
                b["fired"],
                b["clocks"]
            ),
            String::new(),
        ]);
        rows.push([
            "deadline: RSS with the clocks".into(),
            format!(
                "{} MiB after the seed, {} MiB after the burst",
                ms(&dl["rss_mib"]["after_seed"]),
                ms(&dl["rss_mib"]["after_burst"])
            ),
            String::new(),
        ]);
    }
    let st = &s["standalone"];
    rate_row(
        &mut rows,
        "standalone submit",
        "applications",
        &st["submit"],
        base,
    );
    rate_row(
        &mut rows,
        "standalone full flow (end to end)",
        "cases",
        &st["flow"],
        base,
    );
    steps_rows(&mut rows, "standalone", &st["flow"]);
    for (mode, v) in [("distributed", d), ("standalone", st)] {
        if let Some(procs) = v["resources"].as_object() {
            for (name, r) in procs {
                rows.push([
                    format!("RSS {mode} {name}"),
                    format!(
                        "{} MiB at rest, {} MiB under load (highest sample), {} MiB peak; {} CPU s under load",
                        ms(&r["rest_mib"]),
                        ms(&r["load_mib"]),
                        ms(&r["peak_mib"]),
                        ms(&r["cpu_seconds_under_load"])
                    ),
                    String::new(),
                ]);
            }
        }
    }
    let w0 = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    for [a, b, c] in rows {
        let pad = w0 - a.chars().count();
        println!(
            "{a}{}  {b}{}",
            " ".repeat(pad),
            if c.is_empty() { c } else { format!("  [{c}]") }
        );
    }
}

/// Failed operations in the whole run.
pub fn errors(s: &Value) -> u64 {
    let mut n = 0;
    for mode in ["distributed", "standalone"] {
        for phase in ["submit", "flow", "read"] {
            n += s[mode][phase]["errors"].as_u64().unwrap_or(0);
        }
    }
    let dl = &s["distributed"]["deadline"];
    n += dl["schedule"]["publish_errors"].as_u64().unwrap_or(0);
    let started = dl["schedule"]["clocks_started"].as_i64().unwrap_or(0);
    let events = dl["schedule"]["events"].as_i64().unwrap_or(0);
    n += u64::try_from(events - started).unwrap_or(0);
    let fired = dl["burst"]["fired"].as_i64().unwrap_or(0);
    let due = dl["burst"]["clocks"].as_i64().unwrap_or(0);
    n += u64::try_from(due - fired).unwrap_or(0);
    n
}
