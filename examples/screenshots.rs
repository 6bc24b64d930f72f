//! Renders the main views of the TUI on the demo cluster to SVG files in
//! `screenshots/` (and to PNG when `rsvg-convert` is installed), from the
//! same update and draw code the terminal uses, on a TestBackend.
//!
//! `cargo run --example screenshots`

use std::fmt::Write as _;
use std::path::Path;

use crossterm::event::KeyCode;
use netpol_tui::engine::index::Index;
use netpol_tui::source::Origin;
use netpol_tui::tui::app::SourceInfo;
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const W: u16 = 140;
const H: u16 = 42;
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 18.0;

fn demo(kind: ThemeKind) -> Harness {
    let loaded = netpol_tui::source::demo::load();
    let mut info = SourceInfo::new(Origin::Demo);
    info.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
    info.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
    Harness::new(
        Index::from_snapshot(loaded.snapshot),
        info,
        Theme::new(kind),
        W,
        H,
    )
}

/// xterm's default palette for the 16 named colours.
fn named(i: u8) -> (u8, u8, u8) {
    const P: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    P[i as usize % 16]
}

fn indexed(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => named(i),
        16..=231 => {
            let n = i - 16;
            let step = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (step(n / 36), step((n / 6) % 6), step(n % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

fn rgb(c: Color, default: &str) -> String {
    let t = match c {
        Color::Reset => return default.to_string(),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) => indexed(i),
        Color::Rgb(r, g, b) => (r, g, b),
    };
    format!("#{:02x}{:02x}{:02x}", t.0, t.1, t.2)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The buffer as SVG: one rect per background run, one text per run of
/// equal style, each stretched to its cells so the grid stays exact.
fn svg(b: &Buffer, light: bool) -> String {
    let (fg0, bg0) = if light {
        ("#1c1c1c", "#fafafa")
    } else {
        ("#d0d0d0", "#1c1c1c")
    };
    let (w, h) = (b.area.width as usize, b.area.height as usize);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        w as f64 * CELL_W + 16.0,
        h as f64 * CELL_H + 16.0
    );
    let _ = write!(
        out,
        r#"<rect width="100%" height="100%" fill="{bg0}"/><g transform="translate(8,8)" xml:space="preserve">"#
    );
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let c = &b.content[y * w + x];
            let rev = c.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (rgb(c.fg, fg0), rgb(c.bg, bg0));
            if rev {
                std::mem::swap(&mut fg, &mut bg);
            }
            let bold = c.modifier.contains(Modifier::BOLD);
            let under = c.modifier.contains(Modifier::UNDERLINED);
            // Extend the run while the style is the same.
            let mut text = String::new();
            let start = x;
            while x < w {
                let d = &b.content[y * w + x];
                if d.fg != c.fg || d.bg != c.bg || d.modifier != c.modifier {
                    break;
                }
                text.push_str(d.symbol());
                x += 1;
            }
            let len = x - start;
            let (px, py) = (start as f64 * CELL_W, y as f64 * CELL_H);
            if bg != bg0 {
                let _ = write!(
                    out,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    len as f64 * CELL_W
                );
            }
            if !text.trim().is_empty() {
                let _ = write!(
                    out,
                    r#"<text x="{px:.1}" y="{:.1}" fill="{fg}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs"{}{}>{}</text>"#,
                    py + CELL_H * 0.75,
                    len as f64 * CELL_W,
                    if bold { r#" font-weight="bold""# } else { "" },
                    if under {
                        r#" text-decoration="underline""#
                    } else {
                        ""
                    },
                    esc(&text)
                );
            }
        }
    }
    out.push_str("</g></svg>\n");
    out
}

fn save(dir: &Path, name: &str, h: &mut Harness, light: bool) {
    let text = svg(h.render(), light);
    let path = dir.join(format!("{name}.svg"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    let png = dir.join(format!("{name}.png"));
    let converted = std::process::Command::new("rsvg-convert")
        .args(["-o", &png.to_string_lossy(), &path.to_string_lossy()])
        .status()
        .is_ok_and(|s| s.success());
    println!(
        "{}{}",
        path.display(),
        if converted { " (+ png)" } else { "" }
    );
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    for (kind, suffix, light) in [
        (ThemeKind::Dark, "", false),
        (ThemeKind::Light, "-light", true),
    ] {
        let mut h = demo(kind);
        // Pod view: shop/checkout.
        h.keys("/shop/checkout");
        h.key(KeyCode::Enter);
        save(&dir, &format!("pod{suffix}"), &mut h, light);
        if light {
            continue;
        }
        // Policy view.
        h.keys("/checkout-egress");
        h.key(KeyCode::Enter);
        save(&dir, "policy", &mut h, light);
        // Namespace view with the findings pane.
        h.keys("/payments");
        h.key(KeyCode::Enter);
        h.keys("f");
        save(&dir, "namespace-findings", &mut h, light);
        h.keys("f");
        // Matrix, then pods x pods of shop.
        h.keys("m");
        save(&dir, "matrix", &mut h, light);
        h.keys("G");
        h.key(KeyCode::Enter);
        save(&dir, "matrix-pods", &mut h, light);
        h.key(KeyCode::Esc);
        // Finder.
        h.keys("/api");
        save(&dir, "finder", &mut h, light);
        h.key(KeyCode::Esc);
        // Trace from shop/checkout to payments/api on 8443, then a denied one.
        h.keys("/shop/checkout");
        h.key(KeyCode::Enter);
        h.keys("tpayments/api");
        h.key(KeyCode::Enter);
        h.keys("8443");
        h.key(KeyCode::Enter);
        save(&dir, "trace", &mut h, light);
        h.keys("d");
        h.keys("payments/db");
        h.key(KeyCode::Enter);
        h.keys("5432");
        h.key(KeyCode::Enter);
        save(&dir, "trace-denied", &mut h, light);
        h.key(KeyCode::Esc);
        // What-if: rehearse default-deny for shop.
        h.keys("/shop");
        h.key(KeyCode::Enter);
        h.keys("wd");
        save(&dir, "whatif", &mut h, light);
        h.keys("c");
        h.key(KeyCode::Esc);
        // Help.
        h.keys("?");
        save(&dir, "help", &mut h, light);
        h.key(KeyCode::Esc);
        // Rollout, with the demo's recorded flows.
        h.app.flows = Some(std::sync::Arc::new(
            netpol_tui::source::flows::load_demo_flows(),
        ));
        h.keys("/shop");
        h.key(KeyCode::Enter);
        h.keys("r");
        save(&dir, "rollout", &mut h, light);
    }
}
