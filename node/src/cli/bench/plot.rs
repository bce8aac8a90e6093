//! PNG plots of benchmark tables (`plotters`, bitmap backend). Text is drawn with a TrueType
//! font read from the system (DejaVu Sans, Debian's `fonts-dejavu-core`, which
//! `scripts/install-deps.sh` installs).

use std::path::Path;

use anyhow::{anyhow, Context};
use plotters::prelude::*;

use super::gossip_sim::{percentile, SimResult};

/// Where the font is looked for, first found wins.
const FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers the system's DejaVu Sans as plotters' `sans-serif` (once per process).
fn register_font() -> anyhow::Result<()> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let bytes = FONT_PATHS
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .ok_or_else(|| {
                format!(
                    "no DejaVu Sans font found (looked in {}); install Debian's fonts-dejavu-core",
                    FONT_PATHS.join(", ")
                )
            })?;
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| "the DejaVu Sans font file is not a usable TrueType font".to_owned())
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

/// The plot's size in pixels.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 520;

/// Two panels against the number of nodes (log scale): propagation time (p50, p99, max) and
/// bytes each node receives per revocation. Drawn into memory, written as PNG by `image`
/// (the crate the node already uses for QR codes, rather than plotters' own older copy).
pub fn propagation_png(path: &Path, results: &[SimResult], link_ms: f64) -> anyhow::Result<()> {
    register_font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
    draw_propagation(&root, results, link_ms)
        .with_context(|| format!("drawing {}", path.display()))?;
    drop(root);
    image::save_buffer(path, &pixels, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
        .with_context(|| format!("writing {}", path.display()))
}

fn draw_propagation(
    root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    results: &[SimResult],
    link_ms: f64,
) -> anyhow::Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow!("{e}");
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (left, right) = root.split_horizontally(WIDTH / 2);
    let n_max = results.iter().map(|r| r.nodes).max().unwrap_or(10) as f64 * 1.3;
    let n_min = results.iter().map(|r| r.nodes).min().unwrap_or(10) as f64 / 1.3;
    let series = |p: f64| -> Vec<(f64, f64)> {
        results
            .iter()
            .map(|r| (r.nodes as f64, percentile(&r.latencies_ms, p)))
            .collect()
    };
    let t_max = results
        .iter()
        .filter_map(|r| r.latencies_ms.last().copied())
        .fold(0.0, f64::max)
        .max(1_000.0)
        * 1.1;
    {
        let mut chart = ChartBuilder::on(&left)
            .caption(
                format!("Revocation propagation, {link_ms} ms links"),
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d((n_min..n_max).log_scale(), 0.0..t_max)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("nodes")
            .y_desc("ms from publication to stored")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| err(&e))?;
        for (name, p, color) in [
            ("p50", 50.0, BLUE),
            ("p99", 99.0, RED),
            ("max", 100.0, BLACK),
        ] {
            let pts = series(p);
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.into_iter().map(|pt| Circle::new(pt, 4, color.filled())))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(LineSeries::new(
                vec![(n_min, 1_000.0), (n_max, 1_000.0)],
                RGBColor(150, 150, 150),
            ))
            .map_err(|e| err(&e))?
            .label("1 s goal")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RGBColor(150, 150, 150)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| err(&e))?;
    }
    {
        let b_max = results
            .iter()
            .map(|r| r.max_bytes_per_node as f64)
            .fold(0.0, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(&right)
            .caption(
                "Bytes each node receives per revocation",
                ("sans-serif", 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d((n_min..n_max).log_scale(), 0.0..b_max.max(1.0))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("nodes")
            .y_desc("bytes")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| err(&e))?;
        let mean: Vec<(f64, f64)> = results
            .iter()
            .map(|r| (r.nodes as f64, r.bytes_per_node))
            .collect();
        let max: Vec<(f64, f64)> = results
            .iter()
            .map(|r| (r.nodes as f64, r.max_bytes_per_node as f64))
            .collect();
        for (name, pts, color) in [("mean", mean, BLUE), ("most", max, RED)] {
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| err(&e))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.into_iter().map(|pt| Circle::new(pt, 4, color.filled())))
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}
