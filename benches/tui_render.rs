//! TUI frame cost on synthetic clusters: the time to draw one frame, and
//! keypress-to-frame latency (update + draw, as the event loop does it), on
//! a TestBackend so the terminal's own speed is left out.
//!
//! `cargo bench --bench tui_render`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::KeyCode;
use netpol_tui::engine::index::Index;
use netpol_tui::source::Origin;
use netpol_tui::source::synth::{SynthSpec, generate};
use netpol_tui::tui::app::SourceInfo;
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::jobs;
use netpol_tui::tui::theme::{Theme, ThemeKind};

fn harness(pods: usize) -> Harness {
    let t = Instant::now();
    let idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
    let built = t.elapsed();
    let t = Instant::now();
    let mut h = Harness::new(
        idx,
        SourceInfo::new(Origin::Demo),
        Theme::new(ThemeKind::Dark),
        160,
        48,
    );
    eprintln!(
        "{pods} pods: index {built:?}, app start (badges, tree, lint) {:?}",
        t.elapsed()
    );
    // Open a namespace in the middle and select one of its pods.
    h.key(KeyCode::PageDown);
    h.key(KeyCode::Enter);
    h.keys("jjjjj");
    h.render();
    h
}

fn frames(c: &mut Criterion) {
    for pods in [50_000usize, 150_000] {
        let mut h = harness(pods);
        let mut g = c.benchmark_group(format!("{pods}_pods"));
        g.sample_size(30);
        g.bench_function("draw_frame_pod_view", |b| {
            b.iter(|| black_box(h.render().area))
        });
        // Down then Up: the selection moves (pod view recomputed) each time.
        let mut down = true;
        g.bench_function("keypress_to_frame_tree_move", |b| {
            b.iter(|| {
                h.key(if down { KeyCode::Down } else { KeyCode::Up });
                down = !down;
                black_box(h.render().area)
            })
        });
        g.bench_function("keypress_to_frame_scroll_pane", |b| {
            b.iter(|| {
                h.key(KeyCode::Tab);
                h.key(KeyCode::Down);
                h.key(KeyCode::BackTab);
                black_box(h.render().area)
            })
        });
        // Off the UI thread in the app; measured here for reference.
        g.sample_size(10);
        g.bench_function("job_namespace_matrix", |b| {
            b.iter(|| {
                let job = jobs::Job::Matrix {
                    id: 1,
                    index: h.app.index.clone(),
                    zoom: None,
                };
                black_box(matches!(jobs::run(job), jobs::JobOutput::Matrix { .. }))
            })
        });
        g.bench_function("job_finder_index_and_first_key", |b| {
            b.iter(|| {
                let jobs::JobOutput::Candidates { data, .. } = jobs::run(jobs::Job::Candidates {
                    id: 1,
                    index: h.app.index.clone(),
                }) else {
                    unreachable!()
                };
                let s = jobs::Job::Search {
                    id: 2,
                    candidates: data,
                    query: "s".into(),
                    within: None,
                    trace_only: false,
                };
                black_box(matches!(jobs::run(s), jobs::JobOutput::Search { .. }))
            })
        });
        g.finish();
    }
}

criterion_group!(benches, frames);
criterion_main!(benches);
