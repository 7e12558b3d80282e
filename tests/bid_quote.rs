//! `btt-bid quote` against real seeders on loopback: a seller's ask is
//! quoted (and nothing is downloaded); a swarm where nobody sells is one
//! line and exit 4.

use crate::support;

use serde_json::Value;
use support::market::*;
use support::Seeder;

fn quote(market: &Market, seeders: &[&Seeder]) -> (Option<i32>, Vec<Value>, String) {
    let mut command = market.command("btt-bid");
    command
        .args(["quote", "--no-dht", "--no-tracker", "--timeout", "3s"])
        .arg(&market.fixture.torrent);
    for seeder in seeders {
        command.args(["--peer", &seeder.addr()]);
    }
    let mut child = market.env().spawn("btt-bid quote", command);
    let status = child.wait_timeout(COMMAND);
    assert!(
        status.is_some(),
        "btt-bid quote hung\n{}",
        child.diagnostics()
    );
    let code = status.and_then(|status| status.code());
    (code, child.json_records(), child.stderr())
}

#[test]
fn a_quote_lists_the_seller_and_not_the_plain_seeder_and_downloads_nothing() {
    let market = Market::new(Backend::Embedded);
    let mut seller = market.seed("0.01BTT/MiB", &[]);
    let mut plain = seed_plain_copy(&market);
    let (code, printed, stderr) = quote(&market, &[&seller, &plain]);
    assert_eq!(code, Some(0), "{stderr}");
    let quotes = records::<Quote>(&printed);
    assert_eq!(quotes.len(), 1, "{printed:?}");
    assert_eq!(quotes[0].ask_base_units, 10_000);
    assert_eq!(quotes[0].ask, "0.01BTT/MiB");
    assert_eq!(quotes[0].peer.to_string(), seller.addr());
    assert_eq!(quotes[0].wallet, address_of(&signing_key(CAROL_KEY)));
    assert_eq!(
        printed.last().unwrap()["type"],
        "summary",
        "the summary last"
    );
    let last = records::<QuoteSummary>(&printed).remove(0);
    assert_eq!(last.sellers, 1);
    assert_eq!(last.lowest_ask_base_units, 10_000);
    assert_eq!(last.median_ask_base_units, 10_000);
    let run = market.env().path().join("btt-home/run");
    let left: Vec<_> = std::fs::read_dir(&run)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.iter()
            .all(|name| !name.to_string_lossy().starts_with("quote-")),
        "{left:?}"
    );
    for seeder in [&mut seller, &mut plain] {
        seeder.child.terminate();
        let uploaded = summary(&seeder.child).uploaded;
        assert_eq!(uploaded, 0, "nothing was downloaded");
    }
}

/// A plain `btt-seed run` of a copy of the data (one process per data directory).
fn seed_plain_copy(market: &Market) -> Seeder {
    let data = market.env().dir("plain-data");
    for (name, _) in CONTENT {
        std::fs::copy(market.fixture.data.join(name), data.join(name)).unwrap();
    }
    let mut command = market.command("btt-seed");
    command
        .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(&data)
        .arg(&market.fixture.torrent);
    market.listening("btt-seed run (plain copy)", command)
}

#[test]
fn a_swarm_where_nobody_sells_is_one_line_and_exit_4() {
    let market = Market::new(Backend::Embedded);
    let plain = market.seed_plain();
    let (code, printed, stderr) = quote(&market, &[&plain]);
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("sells upload slots"), "{stderr}");
    assert!(records::<Quote>(&printed).is_empty());
    assert_eq!(printed.last().unwrap()["code"], "unreachable");
}
