//! The line chart of heard and hopeful over sessions, as inline SVG.
//!
//! The chart is drawn in the page itself (no image file, nothing to load) and
//! carries a `<title>` and a `<desc>` that say in words what it draws, so it
//! reads the same to a screen reader and to someone who cannot tell the
//! colours apart. Every SVG element is closed explicitly (`{}`): in HTML's
//! foreign content an unclosed `<line>` would swallow the elements after it.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use rapport_core::insights::{GoalProgress, SessionPoint};

use super::Texts;

const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 232.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 504.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 192.0;
/// Room between the y axis and the first and last session.
const INSET: f64 = 18.0;
/// At most this many dates under the x axis; the rest are thinned out.
const MAX_DATE_LABELS: usize = 8;

struct Line {
    item: &'static str,
    /// The key of its name in the report's texts.
    name: &'static str,
}

const LINES: [Line; 2] = [
    Line {
        item: "heard",
        name: "line_heard",
    },
    Line {
        item: "hopeful",
        name: "line_hopeful",
    },
];

fn x(i: usize, n: usize) -> f64 {
    if n <= 1 {
        (LEFT + RIGHT) / 2.0
    } else {
        LEFT + INSET + i as f64 * (RIGHT - LEFT - 2.0 * INSET) / (n - 1) as f64
    }
}

/// Whether the `i`th of `n` sessions gets its date under the x axis: the
/// last always, and every so many before it, at most MAX_DATE_LABELS in all.
fn dated(i: usize, n: usize) -> bool {
    let step = n.div_ceil(MAX_DATE_LABELS).max(1);
    i + 1 == n || (i.is_multiple_of(step) && n - 1 - i >= step)
}

fn y(value: u8) -> f64 {
    BOTTOM - (f64::from(value.clamp(1, 5)) - 1.0) / 4.0 * (BOTTOM - TOP)
}

/// The chart of the client labelled `label` (ids prefixed with `id`), with a
/// title and a description that say what it shows, in the language of `t`.
pub(super) fn render(id: &str, label: &str, points: &[SessionPoint], t: Texts) -> Markup {
    let n = points.len();
    let one_year = points
        .first()
        .zip(points.last())
        .is_some_and(|(a, b)| a.session_date.year() == b.session_date.year());
    let title_id = format!("{id}-chart-title");
    let desc_id = format!("{id}-chart-desc");
    // Dates along the bottom, thinned out so they never overlap.
    let dated = points.iter().enumerate().filter(|&(i, _)| dated(i, n));
    html! {
        figure class="chart-figure" {
            svg class="chart" role="img" aria-labelledby={ (title_id) " " (desc_id) }
                viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } preserveAspectRatio="xMidYMid meet" {
                title id=(title_id) { (t.fill("chart_title", &[("label", &label)])) }
                desc id=(desc_id) { (description(points, one_year, t)) }
                // Axes and grid: ratings 1 to 5 up the side.
                @for value in 1..=5u8 {
                    line class="grid" x1=(LEFT) x2=(RIGHT) y1=(format_args!("{:.1}", y(value)))
                        y2=(format_args!("{:.1}", y(value))) {}
                    text class="tick" x=(LEFT - 8.0) y=(format_args!("{:.1}", y(value) + 4.0))
                        text-anchor="end" { (value) }
                }
                line class="axis" x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(BOTTOM) {}
                line class="axis" x1=(LEFT) x2=(RIGHT) y1=(BOTTOM) y2=(BOTTOM) {}
                text class="axis-name" x=(LEFT) y=(TOP - 14.0) text-anchor="middle" { (t.get("chart_axis")) }
                @for (i, p) in dated {
                    text class="tick date" x=(format_args!("{:.1}", x(i, n))) y=(BOTTOM + 20.0)
                        text-anchor="middle" {
                        @if one_year {
                            (t.day_and_month(p.session_date))
                        } @else {
                            (t.month_and_year(p.session_date))
                        }
                    }
                }
                // Sessions where the client asked for support: a marker above the plot.
                @for (i, p) in points.iter().enumerate().filter(|(_, p)| p.support_requested) {
                    @let cx = x(i, n);
                    g class="support" {
                        title { (t.fill("chart_support_title", &[("date", &t.date(p.session_date))])) }
                        line x1=(format_args!("{cx:.1}")) x2=(format_args!("{cx:.1}"))
                            y1=(TOP - 4.0) y2=(BOTTOM) {}
                        path d=(format_args!(
                            "M{:.1} {t1} L{:.1} {t1} L{cx:.1} {t2} Z",
                            cx - 6.0,
                            cx + 6.0,
                            t1 = TOP - 16.0,
                            t2 = TOP - 5.0
                        )) {}
                    }
                }
                // Lines first, then markers: hopeful's hollow squares under
                // heard's dots, so equal ratings show both (a dot inside a square).
                @if n > 1 {
                    @for line in &LINES {
                        path class={ "line-" (line.item) } d=(path(points, line.item)) {}
                    }
                }
                @for line in LINES.iter().rev() {
                    @for (i, p, value) in points.iter().enumerate().filter_map(|(i, p)| {
                        Some((i, p, *p.answers.get(line.item)?))
                    }) {
                        @let (cx, cy) = (x(i, n), y(value));
                        @let title = html! {
                            title {
                                (t.fill("chart_point", &[
                                    ("name", &t.get(line.name)),
                                    ("value", &value),
                                    ("date", &t.date(p.session_date)),
                                ]))
                            }
                        };
                        @if line.item == "heard" {
                            circle class="point point-heard" cx=(format_args!("{cx:.1}"))
                                cy=(format_args!("{cy:.1}")) r="3.6" { (title) }
                        } @else {
                            rect class="point point-hopeful" x=(format_args!("{:.1}", cx - 5.5))
                                y=(format_args!("{:.1}", cy - 5.5)) width="11" height="11" { (title) }
                        }
                    }
                }
            }
            figcaption class="chart-key" {
                span class="key" {
                    svg width="30" height="12" aria-hidden="true" {
                        line class="key-heard" x1="1" x2="29" y1="6" y2="6" {}
                        circle class="point-heard" cx="15" cy="6" r="3.6" {}
                    }
                    (t.get("chart_key_heard"))
                }
                " "
                span class="key" {
                    svg width="30" height="12" aria-hidden="true" {
                        line class="key-hopeful" x1="1" x2="29" y1="6" y2="6" {}
                        rect class="point-hopeful" x="10" y="1" width="10" height="10" {}
                    }
                    (t.get("chart_key_hopeful"))
                }
                @if points.iter().any(|p| p.support_requested) {
                    " "
                    span class="key" {
                        svg width="16" height="12" aria-hidden="true" {
                            path class="key-support" d="M2 1 L14 1 L8 11 Z" {}
                        }
                        (t.get("chart_key_support"))
                    }
                }
            }
        }
    }
}

/// The line through every rated session; a session without the item
/// breaks it rather than being bridged.
fn path(points: &[SessionPoint], item: &str) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.answers.get(item) {
            Some(&value) => {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i, points.len()),
                    y(value)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d.trim_end().to_owned()
}

/// The chart in words: where each line started and ended, every value,
/// and the sessions with a request for support.
fn description(points: &[SessionPoint], one_year: bool, t: Texts) -> String {
    let day = |d: NaiveDate| {
        if one_year {
            t.day_and_month(d)
        } else {
            t.date(d)
        }
    };
    let series = |item: &str| -> Vec<(NaiveDate, u8)> {
        points
            .iter()
            .filter_map(|p| Some((p.session_date, *p.answers.get(item)?)))
            .collect()
    };
    let (heard, hopeful) = (series("heard"), series("hopeful"));
    let mut out = match points {
        [] => t.get("chart_none").to_owned(),
        [only] => {
            let rating = |s: &[(NaiveDate, u8)]| {
                s.first()
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_else(|| t.get("not_rated").to_owned())
            };
            t.fill(
                "chart_one",
                &[
                    ("date", &day(only.session_date)),
                    ("heard", &rating(&heard)),
                    ("hopeful", &rating(&hopeful)),
                ],
            )
        }
        _ => {
            let span = |s: &[(NaiveDate, u8)], with_dates: bool| match (s.first(), s.last()) {
                (Some((d0, v0)), Some((d1, v1))) if with_dates => t.fill(
                    "chart_went",
                    &[
                        ("first", v0),
                        ("first_date", &day(*d0)),
                        ("last", v1),
                        ("last_date", &day(*d1)),
                    ],
                ),
                (Some((_, v0)), Some((_, v1))) => {
                    t.fill("chart_from_to", &[("first", v0), ("last", v1)])
                }
                _ => t.get("chart_was_not_rated").to_owned(),
            };
            let values = |s: &[(NaiveDate, u8)]| {
                s.iter()
                    .map(|(_, v)| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let ends = |s: &[(NaiveDate, u8)]| (s.first().map(|p| p.0), s.last().map(|p| p.0));
            t.fill(
                "chart_many",
                &[
                    ("hopeful", &span(&hopeful, true)),
                    ("heard", &span(&heard, ends(&heard) != ends(&hopeful))),
                    ("heard_values", &values(&heard)),
                    ("hopeful_values", &values(&hopeful)),
                ],
            )
        }
    };
    let support: Vec<String> = points
        .iter()
        .filter(|p| p.support_requested)
        .map(|p| day(p.session_date))
        .collect();
    if !support.is_empty() {
        out.push_str(&t.fill("chart_support_list", &[("dates", &support.join(", "))]));
    }
    out
}

/// The goal chart's scale: "how close am I", 0 to 10.
const GOAL_HEIGHT: f64 = 150.0;
const GOAL_TOP: f64 = 16.0;
const GOAL_BOTTOM: f64 = 118.0;

fn goal_y(rating: u8) -> f64 {
    GOAL_BOTTOM - f64::from(rating.min(10)) / 10.0 * (GOAL_BOTTOM - GOAL_TOP)
}

/// The chart of one goal of the client labelled `label` (ids prefixed with
/// `id`): how close the client felt, 0 to 10, at each rated session, with
/// a title and description in words, in the language of `t`.
pub(super) fn goal(id: &str, label: &str, goal: &GoalProgress, t: Texts) -> Markup {
    let series = &goal.series;
    let n = series.len();
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let dated = series.iter().enumerate().filter(|&(i, _)| dated(i, n));
    let mut d = String::new();
    for (i, p) in series.iter().enumerate() {
        let _ = write!(
            d,
            "{}{:.1} {:.1} ",
            if i == 0 { "M" } else { "L" },
            x(i, n),
            goal_y(p.rating)
        );
    }
    let quoted = t.fill("quoted", &[("text", &goal.text)]);
    html! {
        figure class="chart-figure" {
            svg class="goal-chart" role="img" aria-labelledby={ (title_id) " " (desc_id) }
                viewBox={ "0 0 " (WIDTH) " " (GOAL_HEIGHT) } preserveAspectRatio="xMidYMid meet" {
                title id=(title_id) {
                    (t.fill("goal_chart_title", &[("label", &label), ("goal", &quoted)]))
                }
                desc id=(desc_id) { (goal_description(goal, t)) }
                @for value in [0u8, 5, 10] {
                    line class="grid" x1=(LEFT) x2=(RIGHT) y1=(format_args!("{:.1}", goal_y(value)))
                        y2=(format_args!("{:.1}", goal_y(value))) {}
                    text class="tick" x=(LEFT - 8.0) y=(format_args!("{:.1}", goal_y(value) + 4.0))
                        text-anchor="end" { (value) }
                }
                line class="axis" x1=(LEFT) x2=(LEFT) y1=(GOAL_TOP) y2=(GOAL_BOTTOM) {}
                line class="axis" x1=(LEFT) x2=(RIGHT) y1=(GOAL_BOTTOM) y2=(GOAL_BOTTOM) {}
                @for (i, p) in dated {
                    text class="tick date" x=(format_args!("{:.1}", x(i, n))) y=(GOAL_BOTTOM + 20.0)
                        text-anchor="middle" { (t.day_and_month(p.session_date)) }
                }
                @if n > 1 {
                    path class="line-goal" d=(d.trim_end()) {}
                }
                @for (i, p) in series.iter().enumerate() {
                    circle class="point point-goal" cx=(format_args!("{:.1}", x(i, n)))
                        cy=(format_args!("{:.1}", goal_y(p.rating))) r="3.6" {
                        title {
                            (t.fill("goal_point", &[("value", &p.rating), ("date", &t.date(p.session_date))]))
                        }
                    }
                }
            }
        }
    }
}

/// A goal's chart in words: every rating with its session, first to last.
fn goal_description(goal: &GoalProgress, t: Texts) -> String {
    let ratings: Vec<String> = goal
        .series
        .iter()
        .map(|p| {
            t.fill(
                "goal_rating_on",
                &[("value", &p.rating), ("date", &t.date(p.session_date))],
            )
        })
        .collect();
    match goal.series.as_slice() {
        [] => t.get("goal_not_rated").to_owned(),
        [_] => t.fill("goal_desc_one", &[("rating", &ratings[0])]),
        [first, .., last] if first.rating == last.rating => t.fill(
            "goal_desc_same",
            &[("value", &last.rating), ("ratings", &ratings.join(", "))],
        ),
        [first, .., last] => t.fill(
            "goal_desc_many",
            &[
                ("first", &first.rating),
                ("last", &last.rating),
                ("ratings", &ratings.join(", ")),
            ],
        ),
    }
}
