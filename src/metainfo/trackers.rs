//! Tracker tiers (BEP 12): `announce-list` when it holds at least one URL,
//! else `[[announce]]`, else none. Empty tiers are dropped; order is kept.

use super::error::MetainfoError;
use super::fields::{expect_list, expect_str, Fields};
use crate::bencode::Bencode;

/// The tracker tiers of a root dictionary.
pub(super) fn parse_trackers(root: &Fields<'_>) -> Result<Vec<Vec<String>>, MetainfoError> {
    let tiers = parse_announce_list(root)?;
    if !tiers.is_empty() {
        return Ok(tiers);
    }
    Ok(root
        .text("announce")?
        .filter(|url| !url.is_empty())
        .map(|url| vec![vec![url.to_owned()]])
        .unwrap_or_default())
}

fn parse_announce_list(root: &Fields<'_>) -> Result<Vec<Vec<String>>, MetainfoError> {
    let Some(list) = root.list("announce-list")? else {
        return Ok(Vec::new());
    };
    let mut tiers = Vec::new();
    for (tier_index, tier) in list.iter().enumerate() {
        let key = format!("announce-list[{tier_index}]");
        let mut urls = Vec::new();
        for url in expect_list(tier, key.clone())? {
            let url = expect_str(url, key.clone())?;
            if !url.is_empty() {
                urls.push(url.to_owned());
            }
        }
        if !urls.is_empty() {
            tiers.push(urls);
        }
    }
    Ok(tiers)
}

/// The `announce` and `announce-list` entries to write for `tiers`:
/// `announce` is the first URL, `announce-list` is written when there is more
/// than one URL.
pub(super) fn tracker_entries(tiers: &[Vec<String>]) -> Vec<(&'static str, Bencode)> {
    let mut entries = Vec::new();
    if let Some(first) = tiers.iter().flatten().next() {
        entries.push(("announce", Bencode::text(first)));
    }
    if tiers.iter().flatten().nth(1).is_some() {
        let list = tiers
            .iter()
            .filter(|tier| !tier.is_empty())
            .map(|tier| Bencode::List(tier.iter().map(|url| Bencode::text(url)).collect()))
            .collect();
        entries.push(("announce-list", Bencode::List(list)));
    }
    entries
}
