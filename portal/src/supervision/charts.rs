//! Charts drawn as SVG on the server (plotters), made accessible.

use plotters::prelude::*;

use super::figures::percent;

pub(super) const BLUE: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
pub(super) const GREEN: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
const ORANGE: RGBColor = RGBColor(0xc2, 0x5b, 0x00);
const CHART_SIZE: (u32, u32) = (760, 320);
const FONT: &str = "sans-serif";

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The axis label at `x` (the bucket under it; every `every`th only, so they stay readable).
fn axis_label(labels: &[String], x: f64, every: usize) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    let i = i as usize;
    match labels.get(i) {
        Some(l) if i.is_multiple_of(every) => l.clone(),
        _ => String::new(),
    }
}

/// Grouped bars: one group per label, one bar per series.
pub(super) fn bar_chart(
    labels: &[String],
    series: &[(&str, RGBColor, Vec<u64>)],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = labels.len().max(1);
        let top = series
            .iter()
            .flat_map(|(_, _, v)| v.iter().copied())
            .max()
            .unwrap_or(0);
        // Head room above the tallest bar for the legend.
        let y_max = u32::try_from(top + top / 2 + 2).unwrap_or(u32::MAX);
        let every = n.div_ceil(12);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0u32..y_max)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| axis_label(labels, *x, every))
            .y_labels(6)
            .light_line_style(WHITE)
            .y_desc("件数")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        let width = 0.8 / series.len().max(1) as f64;
        for (j, (name, colour, values)) in series.iter().enumerate() {
            let colour = *colour;
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 - 0.4 + j as f64 * width;
                    Rectangle::new(
                        [
                            (x0, 0),
                            (x0 + width * 0.9, u32::try_from(*v).unwrap_or(u32::MAX)),
                        ],
                        colour.filled(),
                    )
                }))
                .map_err(fail)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 16))
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// A line of rates (0–1) in percent, broken where a sub-period had nothing completed.
pub(super) fn rate_chart(
    labels: &[String],
    name: &str,
    rates: &[Option<f64>],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = labels.len().max(1);
        let every = n.div_ceil(12);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..110f64)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| axis_label(labels, *x, every))
            .y_labels(6)
            .y_label_formatter(&|y| {
                if *y <= 100.0 {
                    format!("{y:.0}%")
                } else {
                    String::new()
                }
            })
            .light_line_style(WHITE)
            .y_desc("按时办结率")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        let points: Vec<(usize, f64)> = rates
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r * 100.0)))
            .collect();
        // Consecutive sub-periods with a rate are joined; a gap breaks the line.
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut last: Option<usize> = None;
        for (i, y) in &points {
            match runs.last_mut() {
                Some(run) if last.is_some_and(|l| l + 1 == *i) => run.push((*i as f64, *y)),
                _ => runs.push(vec![(*i as f64, *y)]),
            }
            last = Some(*i);
        }
        let style = ORANGE.stroke_width(3);
        let mut first = true;
        for run in runs {
            let drawn = chart
                .draw_series(LineSeries::new(run, style).point_size(4))
                .map_err(fail)?;
            if first {
                drawn
                    .label(name)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], style));
                first = false;
            }
        }
        chart
            .draw_series(points.iter().map(|(i, y)| {
                EmptyElement::at((*i as f64, *y))
                    + Text::new(
                        percent(Some(*y / 100.0)),
                        (-14, -22),
                        (FONT, 16).into_font().color(&BLACK),
                    )
            }))
            .map_err(fail)?;
        if !points.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font((FONT, 16))
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Escapes text for SVG (XML) content and attributes.
fn xml_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes plotters' SVG an image with a name and a description for assistive technology:
/// `role="img"`, `aria-label`, and `<title>`/`<desc>` as its first children.
pub(super) fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|e| at + e))
    else {
        return svg.to_owned();
    };
    let (head, rest) = svg.split_at(open_end);
    let head = head.replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" aria-describedby=\"{id}-desc\" focusable=\"false\"",
            xml_escape(title)
        ),
        1,
    );
    format!(
        "{head}><title>{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        xml_escape(title),
        xml_escape(desc),
        &rest[1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_chart_is_an_svg_with_both_series_and_the_axis_labels() {
        let labels = vec!["11-02".to_owned(), "11-09".to_owned(), "11-16".to_owned()];
        let svg = bar_chart(
            &labels,
            &[
                ("办结件数", BLUE, vec![5, 0, 7]),
                ("按时办结件数", GREEN, vec![4, 0, 7]),
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("办结件数") && svg.contains("按时办结件数"));
        assert!(svg.contains("11-09"));
        // Four non-empty bars plus two legend swatches in the series' colours.
        assert!(svg.matches("#1F5FA8").count() >= 3, "{svg}");
    }

    #[test]
    fn the_rate_chart_draws_the_line_and_labels_each_point() {
        let labels = vec!["11-02".to_owned(), "11-09".to_owned(), "11-16".to_owned()];
        let svg = rate_chart(&labels, "按时办结率", &[Some(0.5), None, Some(1.0)]).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(
            svg.contains("<polyline") || svg.contains("<circle"),
            "{svg}"
        );
        assert!(
            svg.contains("50%\n</text>") && svg.contains("100%\n</text>"),
            "{svg}"
        );
    }

    #[test]
    fn a_chart_gets_a_role_a_name_and_a_description_with_its_text_escaped() {
        let svg =
            "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let out = accessible(svg, "c1", "办结 <件数>", "a & b");
        assert!(
            out.starts_with(
                "<svg role=\"img\" aria-label=\"办结 &lt;件数&gt;\" aria-describedby=\"c1-desc\""
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "><title>办结 &lt;件数&gt;</title><desc id=\"c1-desc\">a &amp; b</desc>\n<rect/>"
            ),
            "{out}"
        );
        assert_eq!(accessible("no svg", "c", "t", "d"), "no svg");
    }

    #[test]
    fn axis_labels_appear_at_whole_positions_only() {
        let labels: Vec<String> = (0..20).map(|i| format!("L{i}")).collect();
        assert_eq!(axis_label(&labels, 3.0, 1), "L3");
        assert_eq!(axis_label(&labels, 2.5, 1), "");
        assert_eq!(axis_label(&labels, 3.0, 2), "");
        assert_eq!(axis_label(&labels, 20.0, 1), "");
        assert_eq!(axis_label(&labels, -1.0, 1), "");
    }
}
