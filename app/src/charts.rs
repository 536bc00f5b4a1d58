//! Earnings charts as plain SVG: the series are pure functions of the wallet's entries, and bar
//! heights are computed in exact decimals (no floats anywhere near money).

use crate::api::ApiError;
use crate::i18n::{self, T};
use crate::session::{session, text, tr};
use leptos::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract::{Currency, EntryKind, WalletEntry};

/// Commission earned (accruals net of reversals), per calendar month, oldest first; months with
/// nothing in between are shown as zero so the axis is honest. At most the last `months`.
pub fn earnings_by_month(entries: &[WalletEntry], months: usize) -> Vec<(String, Decimal)> {
    let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
    for entry in entries {
        if matches!(entry.kind, EntryKind::Accrual | EntryKind::Reversal)
            && let Some(month) = entry.created_at.get(..7)
        {
            *sums.entry(month.to_owned()).or_default() += entry.amount.value();
        }
    }
    let (Some(first), Some(last)) = (sums.keys().next().cloned(), sums.keys().last().cloned())
    else {
        return Vec::new();
    };
    let mut series = Vec::new();
    let mut month = first;
    while month <= last {
        series.push((month.clone(), sums.get(&month).copied().unwrap_or_default()));
        month = next_month(&month);
    }
    let skip = series.len().saturating_sub(months);
    series.split_off(skip)
}

fn next_month(key: &str) -> String {
    let year: u32 = key.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: u32 = key.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(12);
    if month >= 12 {
        format!("{:04}-01", year + 1)
    } else {
        format!("{year:04}-{:02}", month + 1)
    }
}

/// Commission earned per level of the structure (1 = own deals), in level order.
pub fn earnings_by_level(entries: &[WalletEntry]) -> Vec<(u32, Decimal)> {
    let mut sums: BTreeMap<u32, Decimal> = BTreeMap::new();
    for entry in entries {
        if let (EntryKind::Accrual | EntryKind::Reversal, Some(level)) = (entry.kind, entry.level) {
            *sums.entry(level).or_default() += entry.amount.value();
        }
    }
    sums.into_iter().collect()
}

const HEIGHT: i64 = 120;
/// Room above the tallest bar for its figure.
const TOP: i64 = 14;

/// A bar's figure, whole units only so it fits above a bar (the tooltip has the exact amount).
fn short_amount(value: Decimal) -> String {
    value.round().to_string()
}

/// Bar heights in whole pixels, proportional to the largest value (negatives draw as zero).
pub fn bar_heights(values: &[Decimal]) -> Vec<i64> {
    let max = values.iter().copied().fold(Decimal::ZERO, Decimal::max);
    values
        .iter()
        .map(|value| {
            if max.is_zero() || value.is_sign_negative() {
                0
            } else {
                (*value * Decimal::from(HEIGHT) / max)
                    .round()
                    .to_string()
                    .parse()
                    .unwrap_or(0)
            }
        })
        .collect()
}

/// Text for SVG markup: what a label or a title may hold cannot become markup.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart as SVG markup, a label under each bar, its amount above it and as its tooltip.
/// Markup rather than a view of elements: nothing in it reacts or takes input, and a view would
/// compile the renderer again for every kind of element and attribute (~6 KB gzipped a page).
pub fn bar_chart_svg(title: &str, bars: &[(String, Decimal)], currency: Currency) -> String {
    let heights = bar_heights(&bars.iter().map(|(_, v)| *v).collect::<Vec<_>>());
    let width = 48 * bars.len().max(1) as i64 + 16;
    let base = TOP + HEIGHT + 8;
    let mut svg = format!(
        r#"<svg viewBox="0 0 {width} {}" role="img" aria-label="{}"><line x1="8" y1="{base}" x2="{}" y2="{base}" class="axis"/>"#,
        TOP + HEIGHT + 40,
        escaped(title),
        width - 8,
    );
    for (index, ((label, value), height)) in bars.iter().zip(heights).enumerate() {
        let x = 16 + 48 * index as i64;
        let y = base - height;
        let label = escaped(label);
        let amount = escaped(&crate::components::money((*value).into(), currency));
        svg += &format!(
            r#"<g class="bar"><rect x="{x}" y="{y}" width="32" height="{}" rx="3"><title>{label}: {amount}</title></rect><text x="{}" y="{}" text-anchor="middle">{label}</text><text class="value" x="{}" y="{}" text-anchor="middle">{}</text></g>"#,
            height.max(1),
            x + 16,
            TOP + HEIGHT + 26,
            x + 16,
            y - 4,
            short_amount(*value),
        );
    }
    svg + "</svg>"
}

#[component]
pub fn BarChart(
    title: T,
    bars: Vec<(String, Decimal)>,
    currency: Currency,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{text(title)}</figcaption>
            <div inner_html=move || bar_chart_svg(tr(title), &bars, currency)></div>
        </figure>
    }
}

/// The two earnings charts of a wallet. They sit below the page's tables and their code is a
/// chunk of its own, fetched once the page around them has shown: the commission history and the
/// dashboard download without it first. A chunk that cannot be fetched is said so in place (the
/// page around it keeps working), where a page's own would stop the portal.
#[component]
pub fn EarningsCharts(entries: Vec<WalletEntry>, currency: Currency) -> impl IntoView {
    crate::later!(earnings_charts_view(entries, currency))
}

#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(earnings_charts, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn earnings_charts_view(
    entries: Vec<WalletEntry>,
    currency: Currency,
) -> Result<AnyView, ApiError> {
    let language = session().language.get_untracked();
    let by_month: Vec<(String, Decimal)> = earnings_by_month(&entries, 12)
        .into_iter()
        .map(|(month, value)| (i18n::format_month(language, &month), value))
        .collect();
    let by_level: Vec<(String, Decimal)> = earnings_by_level(&entries)
        .into_iter()
        .map(|(level, value)| (format!("L{level}"), value))
        .collect();
    Ok(view! {
        <div class="charts">
            <BarChart title=T::EarningsOverTime bars=by_month currency=currency testid="chart-months"/>
            <BarChart title=T::EarningsPerLevel bars=by_level currency=currency testid="chart-levels"/>
        </div>
    }
    .into_any())
}

#[cfg(test)]
mod tests {
    use super::*;
    use upline_contract::{Amount, EntryId};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn entry(kind: EntryKind, amount: &str, at: &str, level: Option<u32>) -> WalletEntry {
        WalletEntry {
            id: EntryId::from("e"),
            kind,
            amount: Amount(amount.parse().unwrap()),
            created_at: at.into(),
            status: Default::default(),
            available_at: None,
            deal_id: None,
            from_partner_id: None,
            from_partner_name: None,
            level,
            rule: None,
            reason: None,
            made_by: None,
        }
    }

    #[wasm_bindgen_test]
    fn months_without_earnings_are_zero_and_payouts_do_not_count_as_earnings() {
        let entries = [
            entry(EntryKind::Accrual, "10.00", "2026-10-03T00:00:00Z", Some(1)),
            entry(EntryKind::Payout, "-10.00", "2026-11-03T00:00:00Z", None),
            entry(EntryKind::Accrual, "5.50", "2026-12-01T00:00:00Z", Some(2)),
            entry(
                EntryKind::Reversal,
                "-0.50",
                "2026-12-02T00:00:00Z",
                Some(2),
            ),
        ];
        let series = earnings_by_month(&entries, 12);
        let months: Vec<&str> = series.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(months, ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(series[1].1, Decimal::ZERO);
        assert_eq!(series[2].1.to_string(), "5.00");
        let levels = earnings_by_level(&entries);
        assert_eq!(levels.len(), 2);
        assert_eq!(levels[1].1.to_string(), "5.00");
    }

    #[wasm_bindgen_test]
    fn a_year_boundary_is_crossed_and_heights_scale_to_the_largest_bar() {
        assert_eq!(next_month("2026-12"), "2027-01");
        let heights = bar_heights(&[
            "30".parse().unwrap(),
            "60".parse().unwrap(),
            "-5".parse().unwrap(),
        ]);
        assert_eq!(heights, [60, 120, 0]);
    }
}
