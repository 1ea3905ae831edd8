//! Scenario files: the built-ins parse, and errors name the file, the line and the field.

use usdm_sim::scenario::{EventKind, Scenario, BUILTIN};

#[test]
fn every_builtin_scenario_parses() {
    for (name, _) in BUILTIN {
        let s = Scenario::builtin(name)
            .unwrap()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.name, name);
        assert!(s.blocks > 0 && s.sample_every > 0);
    }
    let terra = Scenario::builtin("terra-2022").unwrap().unwrap();
    assert_eq!(terra.blocks, 7 * 86_400 / 3);
    assert!(terra
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::WhaleExit { .. })));
}

fn error_of(text: &str) -> usdm_sim::scenario::ScenarioError {
    Scenario::parse(text, "bad.toml").expect_err("should be refused")
}

/// Issue 21: a value of the wrong type was reported with Rust's type (`expected f64`) and no
/// field.
#[test]
fn a_value_of_the_wrong_type_names_its_field_in_plain_words() {
    let head = "name = \"x\"\nduration = \"1d\"\n";
    for (body, field, words) in [
        (
            "[market]\nusdm_pool_depth = \"deep\"\n",
            "market.usdm_pool_depth",
            "expected a number",
        ),
        (
            "[agents.holders]\ncohorts = 2.5\n",
            "agents.holders.cohorts",
            "expected a whole number",
        ),
    ] {
        let e = error_of(&format!("{head}{body}"));
        assert_eq!((e.line, e.field.as_str()), (4, field), "{e}");
        assert!(e.message.contains(words), "{e}");
        assert!(
            !e.message.contains("f64") && !e.message.contains("i64"),
            "{e}"
        );
    }
}

/// Issue 21: a `sample_every` shorter than a block was silently taken as one block.
#[test]
fn sampling_more_often_than_a_block_is_refused() {
    for every in ["\"1s\"", "\"0s\"", "\"0b\"", "2"] {
        let e = error_of(&format!(
            "name = \"x\"\nduration = \"1d\"\nsample_every = {every}\n"
        ));
        assert_eq!(
            (e.line, e.field.as_str()),
            (3, "sample_every"),
            "{every}: {e}"
        );
        assert!(
            e.message.contains("shorter than a block (3 s)"),
            "{every}: {e}"
        );
        assert!(e.message.contains("\"1b\" or \"3s\""), "{every}: {e}");
    }
    for every in ["\"1b\"", "\"3s\"", "\"5m\""] {
        let text = format!("name = \"x\"\nduration = \"1d\"\nsample_every = {every}\n");
        assert!(Scenario::parse(&text, "ok.toml").is_ok(), "{every}");
    }
}

#[test]
fn errors_name_file_line_and_field() {
    let e = error_of("name = \"x\"\nduration = \"1d\"\n\n[market]\nusdm_pool_depth = 2.0\n");
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        ("bad.toml", 5, "market.usdm_pool_depth"),
        "{e}"
    );
    assert!(e.message.contains("between 0 and 1"), "{e}");
    assert!(
        e.to_string()
            .starts_with("bad.toml:5: market.usdm_pool_depth:"),
        "{e}"
    );

    let e = error_of("name = \"x\"\nduration = \"1d\"\ndurations = 3\n");
    assert_eq!(e.line, 3, "{e}");
    assert_eq!(e.field, "durations", "{e}");

    // An unknown key is named with its table, like every other field.
    let e = error_of("name = \"x\"\nduration = \"1d\"\n[market]\nusdm_pool_dept = 0.1\n");
    assert_eq!(
        (e.line, e.field.as_str()),
        (4, "market.usdm_pool_dept"),
        "{e}"
    );
    assert!(e.message.contains("usdm_pool_depth"), "{e}");
    let head = "name = \"x\"\nduration = \"1d\"\n";
    for (body, line, field) in [
        // A multi-line array above the key is not a table header.
        (
            "[market]\nxms_script = [\n  [\"2h\", 0.2],\n]\nusdm_pool_dept = 0.1\n",
            7,
            "market.usdm_pool_dept",
        ),
        // An unknown table is named by its header.
        ("[agentz]\nx = 1\n", 3, "agentz"),
        ("[agents.holderz]\nx = 1\n", 3, "agents.holderz"),
        // Inline tables are part of the path.
        (
            "[agents]\nholders = { sharee = 0.1 }\n",
            4,
            "agents.holders.sharee",
        ),
        (
            "[[events]]\nat = \"1h\"\nwhale_exit = { usdm = 1, over = \"1h\", share = 0.1 }\n",
            5,
            "events.whale_exit.share",
        ),
        // A comment after a header does not hide it.
        (
            "[market] # [depths]\nusdm_pool_dept = 0.1\n",
            4,
            "market.usdm_pool_dept",
        ),
    ] {
        let e = error_of(&format!("{head}{body}"));
        assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
    }

    let e = error_of("name = \"x\"\nduration = \"three days\"\n");
    assert_eq!((e.line, e.field.as_str()), (2, "duration"), "{e}");

    let e = error_of("name = \"x\"\nduration = \"1d\"\n[protocol]\npreset = \"terra\"\n");
    assert_eq!((e.line, e.field.as_str()), (4, "protocol.preset"), "{e}");
    assert!(e.message.contains("mars, mars-guarded, frax"), "{e}");

    let e =
        error_of("name = \"x\"\nduration = \"1d\"\n[protocol.params]\nxms_support_ratio = 0.5\n");
    assert_eq!(
        (e.line, e.field.as_str()),
        (4, "protocol.params.xms_support_ratio"),
        "{e}"
    );

    let e = error_of(
        "name = \"x\"\nduration = \"1d\"\n[protocol]\ncollateral = { USDC = 0.5, BTC = 0.2 }\n",
    );
    assert!(e.message.contains("sum to 0.7"), "{e}");

    let e = error_of("name = \"x\"\nduration = \"1d\"\n\n[[events]]\nat = \"1h\"\n");
    assert_eq!((e.line, e.field.as_str()), (4, "events"), "{e}");

    let e = error_of("name = \"x\"\nduration = \"1d\"\n[prices.DOGE]\nprice = 1\n");
    assert_eq!(e.field, "prices.DOGE", "{e}");
}

#[test]
fn missing_files_list_the_builtins() {
    let e = Scenario::load("/nonexistent/x.toml").unwrap_err();
    assert!(e.message.contains("bank-run"), "{e}");
    // About the file as a whole: no line or field to name.
    assert!(
        e.to_string()
            .starts_with("/nonexistent/x.toml: neither a built-in scenario nor a readable file"),
        "{e}"
    );
}

#[test]
fn conditional_events_parse_and_bad_ones_are_refused() {
    let s = Scenario::parse(
        "name = \"x\"\nduration = \"1d\"\n[[events]]\nwhen = { xms_price_below = 0.5 }\ngovernance = { pause = \"redeem\" }\n",
        "when.toml",
    )
    .unwrap();
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].at, 0);
    assert!(matches!(
        s.events[0].when,
        Some(usdm_sim::scenario::Condition::XmsPriceBelow(x)) if x == 0.5
    ));
    let e = error_of(
        "name = \"x\"\nduration = \"1d\"\n\n[[events]]\nwhen = { xms_price_below = 0.5, usdm_price_below = 0.9 }\nconfidence_shock = { threshold_scale = 0.5 }\n",
    );
    assert_eq!((e.line, e.field.as_str()), (4, "events.when"), "{e}");
    let e = error_of(
        "name = \"x\"\nduration = \"1d\"\n\n[[events]]\nconfidence_shock = { threshold_scale = 0.5 }\n",
    );
    assert_eq!(e.field, "events.at", "{e}");
    let e = error_of("name = \"x\"\nduration = \"1d\"\n[market]\nxms_floor_depth = -5\n");
    assert_eq!(
        (e.line, e.field.as_str()),
        (4, "market.xms_floor_depth"),
        "{e}"
    );
}

/// A `[record]` is read from beside the scenario file, survives a `--set` (the field change
/// re-parses the scenario) and names what is wrong when it cannot be read.
#[test]
fn a_record_beside_the_scenario_file_is_read_and_its_errors_name_the_field() {
    let dir = std::env::temp_dir().join(format!("usdm-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("obs.csv"),
        "when,px\n2024-01-01T00:30Z,2.0\n2024-01-01T01:00Z,\n2024-01-01T01:30Z,1.5\n",
    )
    .unwrap();
    let scenario = |record: &str| {
        format!(
            "name = \"r\"\nduration = \"2h\"\n[record]\n{record}\n[record.series]\nxms_price = {{ column = \"px\" }}\n"
        )
    };
    let file = dir.join("r.toml");
    std::fs::write(
        &file,
        scenario("file = \"obs.csv\"\nstart = \"2024-01-01T00:00Z\"\ntime_column = \"when\""),
    )
    .unwrap();
    let s = Scenario::load(file.to_str().unwrap()).unwrap();
    let r = s.record.as_ref().unwrap();
    assert_eq!(r.hours, vec![0.5, 1.0, 1.5]);
    assert_eq!(r.columns["px"], vec![Some(2.0), None, Some(1.5)]);
    let changed = s
        .with_fields(&[usdm_sim::scenario::FieldChange::new(
            "market.xms_market_depth",
            "0.2",
        )])
        .unwrap();
    assert_eq!(changed.record, s.record);

    std::fs::write(
        &file,
        scenario("file = \"missing.csv\"\nstart = \"2024-01-01T00:00Z\""),
    )
    .unwrap();
    let e = Scenario::load(file.to_str().unwrap()).unwrap_err();
    assert_eq!(e.field, "record");
    assert!(e.message.contains("missing.csv"), "{e}");
    assert!(e.message.contains("records/iron-2021.csv"), "{e}");
    std::fs::write(
        &file,
        scenario("file = \"obs.csv\"\nstart = \"2024-01-01T00:00Z\""),
    )
    .unwrap();
    let e = Scenario::load(file.to_str().unwrap()).unwrap_err();
    assert!(e.message.contains("no column 'time_utc'"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
