//! SVG circuit diagrams for the browser playground.
//!
//! [`draw_svg`] renders a [`Circuit`] as one self-contained SVG string: a wire per qubit
//! (`q0`, `q1`, …), a double-line wire per classical bit (`c0`, …) below them, and the
//! operations in columns placed greedily as soon as possible ([`layout_columns`]). Every
//! element carries a class (`wire`, `cwire`, `gate`, `ctrl`, `target`, `meas`, `reset`,
//! `delay`, `barrier`, `label`, `note`) and inline default styling, so the picture renders
//! without external CSS and a page's stylesheet can still restyle it.
//!
//! Drawing is pure and never panics: operations a hand-built circuit gets wrong (indices out
//! of range, wrong arity or parameter count, duplicate qubits) are left out, and huge
//! circuits are cut at [`MAX_DRAWN_COLUMNS`] columns with a "… N more operations" note.

use std::f64::consts::PI;
use std::fmt::Write as _;

use crate::circuit::{Circuit, GateKind, Op, Param};

/// Most columns [`draw_svg`] draws; later operations are summarised in a note.
pub const MAX_DRAWN_COLUMNS: usize = 2000;

/// Most operations [`draw_svg`] draws (whole columns are dropped from the end to stay under it).
pub const MAX_DRAWN_OPERATIONS: usize = 50_000;

/// Most wires (qubits plus shown classical bits) [`draw_svg`] draws; a wider circuit gives a
/// small SVG that says it is too large to draw.
pub const MAX_DRAWN_WIRES: usize = 4096;

/// The column [`layout_columns`] reports for an operation it cannot place (an index out of
/// range, wrong arity or parameter count, a duplicate qubit, an empty barrier or delay).
pub const SKIPPED: usize = usize::MAX;

const WIRE_SPACING: f64 = 40.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 30.0;
const RIGHT: f64 = 16.0;
const MIN_COL_W: f64 = 48.0;
const COL_PAD: f64 = 16.0;
const CHAR_W: f64 = 8.4; // 14 px monospace
const SMALL_CHAR_W: f64 = 7.2; // 12 px monospace
const MIN_BOX_W: f64 = 32.0;
const MAX_PARAM_CHARS: usize = 32;
const INK: &str = "#1a56c4";
const INK_LINE: &str = r##"stroke="#1a56c4" stroke-width="2""##;

/// Layout knobs; `Default` gives the standard look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawOptions {
    /// Draw the classical-bit wires and the measurement lines down to them (default `true`).
    pub show_clbits: bool,
    /// Most columns to draw, e.g. for a thumbnail (default and upper bound:
    /// [`MAX_DRAWN_COLUMNS`]).
    pub max_columns: usize,
}

impl Default for DrawOptions {
    fn default() -> Self {
        DrawOptions {
            show_clbits: true,
            max_columns: MAX_DRAWN_COLUMNS,
        }
    }
}

/// The rows (qubit wires `0..num_qubits`, then classical wires) an op occupies in its
/// column, or `None` when it cannot be drawn.
fn op_rows(circuit: &Circuit, op: &Op) -> Option<(usize, usize)> {
    let nq = circuit.num_qubits;
    let span = |qs: &[usize]| -> Option<(usize, usize)> {
        let lo = *qs.iter().min()?;
        let hi = *qs.iter().max()?;
        (hi < nq).then_some((lo, hi))
    };
    let qs = op.qubits();
    match op {
        Op::Gate { kind, params, .. } => {
            let dup = (1..qs.len()).any(|i| qs[..i].contains(&qs[i]));
            let bad = qs.len() != kind.arity() || params.len() != kind.num_params();
            if bad || dup {
                return None;
            }
            span(qs)
        }
        Op::Measure { qubit, clbit } if *qubit < nq && *clbit < circuit.num_clbits => {
            Some((*qubit, nq.checked_add(*clbit)?))
        }
        Op::Measure { .. } => None,
        _ => span(qs),
    }
}

/// A max segment tree over compressed rows. Updates only ever raise a range to a value
/// above its current maximum, so a tag on a node never needs pushing down.
struct MaxTree {
    last: usize,
    mx: Vec<usize>,
    tag: Vec<usize>,
}

impl MaxTree {
    fn new(n: usize) -> Self {
        let size = 4 * n.max(1);
        let (mx, tag) = (vec![0; size], vec![0; size]);
        MaxTree {
            last: n.saturating_sub(1),
            mx,
            tag,
        }
    }

    /// The maximum over rows `lo..=hi`, then raises them to at least `raise` (0: query only).
    fn visit(&mut self, lo: usize, hi: usize, raise: usize) -> usize {
        self.walk(1, 0, self.last, (lo, hi), raise)
    }

    fn walk(&mut self, node: usize, l: usize, r: usize, range: (usize, usize), v: usize) -> usize {
        if range.1 < l || r < range.0 {
            return 0;
        }
        let old = self.mx[node];
        self.mx[node] = old.max(v);
        if range.0 <= l && r <= range.1 {
            self.tag[node] = self.tag[node].max(v);
            return old;
        }
        let m = l + (r - l) / 2;
        let below = self.walk(2 * node, l, m, range, v);
        let tag = self.tag[node];
        tag.max(below)
            .max(self.walk(2 * node + 1, m + 1, r, range, v))
    }
}

/// Column placement used by [`draw_svg`] (public so tests and other renderers can use it):
/// for each op, its column index ([`SKIPPED`] for an op that cannot be drawn).
///
/// Greedy, as soon as possible: an op occupies every wire from its lowest to its highest
/// qubit (a `cx q[0], q[2]` blocks `q[1]`), a measurement also every wire from its qubit
/// down through the classical wires to its bit, and a barrier its qubits' range, so nothing
/// moves across it. An op goes in the first column after everything already placed on the
/// wires it occupies.
pub fn layout_columns(circuit: &Circuit) -> Vec<usize> {
    let ranges: Vec<Option<(usize, usize)>> =
        circuit.ops.iter().map(|op| op_rows(circuit, op)).collect();
    // Two ranges overlap iff they share an endpoint of one of them, so compressing the rows
    // to the endpoints is exact and keeps the work independent of the register sizes.
    let mut points: Vec<usize> = ranges.iter().flatten().flat_map(|&(a, b)| [a, b]).collect();
    points.sort_unstable();
    points.dedup();
    let index = |row: usize| points.binary_search(&row).unwrap_or_else(|i| i);
    let mut tree = MaxTree::new(points.len());
    ranges
        .iter()
        .map(|range| match range {
            None => SKIPPED,
            Some((lo, hi)) => {
                let (a, b) = (index(*lo), index(*hi));
                let col = tree.visit(a, b, 0);
                tree.visit(a, b, col.saturating_add(1));
                col
            }
        })
        .collect()
}

/// An angle for display: `π/2`, `-π/4`, `3π/4`, `2π` when within 1e-9 of k·π/d
/// (d ≤ 8, 0 < |k| ≤ 16), otherwise at most 3 decimals (`0.5`, `1.234`), or scientific
/// notation for very small or large magnitudes.
pub fn format_angle(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "-∞" }.into();
    }
    if v.abs() < 1e-9 {
        return "0".into();
    }
    for d in 1..=8u32 {
        let d = f64::from(d);
        let k = (v * d / PI).round();
        if k != 0.0 && k.abs() <= 16.0 && (v - k * PI / d).abs() <= 1e-9 {
            let sign = if k < 0.0 { "-" } else { "" };
            let num = (k.abs() != 1.0).then(|| k.abs().to_string());
            let den = (d != 1.0).then(|| format!("/{d}"));
            let (num, den) = (num.unwrap_or_default(), den.unwrap_or_default());
            return format!("{sign}{num}π{den}");
        }
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0" } else { s }.to_string()
}

/// `s` with the XML-special characters escaped (`&`, `<`, `>`, `"`, `'`) and characters
/// XML 1.0 forbids replaced by U+FFFD, safe for text and attribute values.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn param_text(p: &Param) -> String {
    match p {
        Param::Value(v) => format_angle(*v),
        Param::Symbol(s) if s.chars().count() > MAX_PARAM_CHARS => {
            s.chars().take(MAX_PARAM_CHARS - 1).chain(['…']).collect()
        }
        Param::Symbol(s) => s.clone(),
    }
}

fn params_text(params: &[Param]) -> String {
    params.iter().map(param_text).collect::<Vec<_>>().join(", ")
}

/// How a gate is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A labelled box on one qubit.
    Box1,
    /// `n` control dots, then the targets.
    Ctrl(usize, Target),
    /// One tall box over both qubits.
    Span,
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    Plus,
    Dot,
    Boxed,
    Crosses,
}

fn shape(kind: GateKind) -> Shape {
    use GateKind::*;
    match kind {
        Cx => Shape::Ctrl(1, Target::Plus),
        Ccx => Shape::Ctrl(2, Target::Plus),
        Cz => Shape::Ctrl(1, Target::Dot),
        Cy | Ch | Crx | Cry | Crz | Cp => Shape::Ctrl(1, Target::Boxed),
        Cswap => Shape::Ctrl(1, Target::Crosses),
        Swap => Shape::Ctrl(0, Target::Crosses),
        ISwap | Ecr | Rxx | Ryy | Rzz => Shape::Span,
        _ => Shape::Box1,
    }
}

/// The label of a gate's box (the target's box for controlled gates).
fn label(kind: GateKind) -> &'static str {
    use GateKind::*;
    match kind {
        X | Cx | Ccx => "X",
        Y | Cy => "Y",
        Z | Cz => "Z",
        H | Ch => "H",
        S => "S",
        Sdg => "S†",
        T => "T",
        Tdg => "T†",
        Sx => "√X",
        Sxdg => "√X†",
        Rx | Crx => "Rx",
        Ry | Cry => "Ry",
        Rz | Crz => "Rz",
        P | Cp => "P",
        U => "U",
        Prx => "PRx",
        Swap | Cswap => "SWAP",
        ISwap => "iSWAP",
        Ecr => "ECR",
        Rxx => "Rxx",
        Ryy => "Ryy",
        Rzz => "Rzz",
    }
}

fn box_width(label: &str, params: &str) -> f64 {
    let l = label.chars().count() as f64 * CHAR_W;
    let p = params.chars().count() as f64 * SMALL_CHAR_W;
    MIN_BOX_W.max(l.max(p) + 12.0)
}

/// Whether a two-qubit box shows "0"/"1" pins (operands not adjacent or reversed).
fn has_pins(qubits: &[usize]) -> bool {
    match qubits {
        [a, b] => *a > *b || a.abs_diff(*b) > 1,
        _ => false,
    }
}

/// The horizontal extent an op needs.
fn op_width(op: &Op) -> f64 {
    match op {
        Op::Gate { kind, params, .. } => {
            let w = box_width(label(*kind), &params_text(params));
            match shape(*kind) {
                Shape::Box1 | Shape::Ctrl(_, Target::Boxed) => w,
                Shape::Ctrl(..) => 24.0,
                Shape::Span if has_pins(op.qubits()) => w + 16.0,
                Shape::Span => w,
            }
        }
        Op::Measure { .. } => MIN_BOX_W,
        Op::Reset { .. } => box_width("|0⟩", ""),
        Op::Delay { .. } => 48.0,
        Op::Barrier { .. } => 16.0,
    }
}

/// The tooltip text of an op.
fn op_title(op: &Op) -> String {
    let qs: Vec<String> = op.qubits().iter().map(|q| format!("q{q}")).collect();
    let qs = qs.join(", ");
    match op {
        Op::Gate { kind, params, .. } if params.is_empty() => format!("{kind} {qs}"),
        Op::Gate { kind, params, .. } => format!("{kind}({}) {qs}", params_text(params)),
        Op::Measure { clbit, .. } => format!("measure {qs} → c{clbit}"),
        Op::Reset { .. } => format!("reset {qs}"),
        Op::Barrier { .. } => format!("barrier {qs}"),
        Op::Delay { .. } => format!("delay {qs}"),
    }
}

fn plural_s(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", plural_s(n))
}

fn row_y(row: usize) -> f64 {
    TOP + row as f64 * WIRE_SPACING
}

/// Appends SVG elements to a string (coordinates with one decimal).
struct Svg {
    out: String,
}

impl Svg {
    fn line(&mut self, class: &str, [x1, y1, x2, y2]: [f64; 4], style: &str) {
        let _ = writeln!(
            self.out,
            r#"<line class="{class}" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}/>"#
        );
    }

    fn rect(&mut self, class: &str, [x, y, w, h]: [f64; 4], fill: &str, stroke: &str) {
        let _ = writeln!(
            self.out,
            r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#
        );
    }

    fn circle(&mut self, class: &str, cx: f64, cy: f64, r: f64, fill: &str) {
        let _ = writeln!(
            self.out,
            r#"<circle class="{class}" cx="{cx:.1}" cy="{cy:.1}" r="{r}" fill="{fill}" stroke="{INK}" stroke-width="1.5"/>"#
        );
    }

    /// Escaped text; `anchor` is `middle`, `start` or `end`.
    fn text(&mut self, x: f64, y: f64, size: u32, anchor: &str, s: &str) {
        let s = escape_xml(s);
        let _ = writeln!(
            self.out,
            r##"<text class="label" x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" fill="#111">{s}</text>"##
        );
    }

    /// A box from `top` to `bottom` centred on `x` with the label, and the parameters (if
    /// any) on a second, smaller line; the text is centred `shift` to the right of `x`.
    fn labelled_box(
        &mut self,
        x: f64,
        (top, bottom): (f64, f64),
        w: f64,
        shift: f64,
        text: [&str; 2],
    ) {
        self.rect("gate", [x - w / 2.0, top, w, bottom - top], "#e8f0fe", INK);
        let (mid, x) = ((top + bottom) / 2.0, x + shift);
        if text[1].is_empty() {
            self.text(x, mid + 5.0, 14, "middle", text[0]);
        } else {
            self.text(x, mid - 3.0, 14, "middle", text[0]);
            self.text(x, mid + 12.0, 12, "middle", text[1]);
        }
    }

    fn gate(&mut self, kind: GateKind, params: &[Param], qubits: &[usize], x: f64) {
        let ptext = params_text(params);
        let text = [label(kind), ptext.as_str()];
        let half = if ptext.is_empty() { 14.0 } else { 17.0 };
        let lo = qubits.iter().copied().min().unwrap_or(0);
        let hi = qubits.iter().copied().max().unwrap_or(0);
        let w = box_width(text[0], text[1]);
        match shape(kind) {
            Shape::Box1 => self.labelled_box(x, (row_y(lo) - half, row_y(lo) + half), w, 0.0, text),
            Shape::Span => {
                let pins = has_pins(qubits);
                let (w, shift) = if pins { (w + 16.0, 8.0) } else { (w, 0.0) };
                self.labelled_box(x, (row_y(lo) - half, row_y(hi) + half), w, shift, text);
                for (pin, q) in qubits.iter().enumerate().filter(|_| pins) {
                    let px = x - w / 2.0 + 5.0;
                    self.text(px, row_y(*q) + 4.0, 12, "start", &pin.to_string());
                }
            }
            Shape::Ctrl(nctrl, target) => {
                self.line("ctrl", [x, row_y(lo), x, row_y(hi)], INK_LINE);
                let (controls, targets) = qubits.split_at(nctrl.min(qubits.len()));
                for q in controls {
                    self.circle("ctrl", x, row_y(*q), 5.0, INK);
                }
                for y in targets.iter().map(|q| row_y(*q)) {
                    match target {
                        Target::Plus => {
                            self.circle("target", x, y, 11.0, "#fff");
                            self.line("target", [x - 11.0, y, x + 11.0, y], INK_LINE);
                            self.line("target", [x, y - 11.0, x, y + 11.0], INK_LINE);
                        }
                        Target::Dot => self.circle("ctrl", x, y, 5.0, INK),
                        Target::Crosses => {
                            self.line("target", [x - 7.0, y - 7.0, x + 7.0, y + 7.0], INK_LINE);
                            self.line("target", [x - 7.0, y + 7.0, x + 7.0, y - 7.0], INK_LINE);
                        }
                        Target::Boxed => self.labelled_box(x, (y - half, y + half), w, 0.0, text),
                    }
                }
            }
        }
    }

    fn measure(&mut self, x: f64, y: f64, clbit_y: Option<f64>, clbit: usize) {
        const STYLE: &str = r##"stroke="#333" stroke-width="1.5""##;
        if let Some(cy) = clbit_y {
            self.line("meas", [x - 1.5, y + 14.0, x - 1.5, cy - 8.0], STYLE);
            self.line("meas", [x + 1.5, y + 14.0, x + 1.5, cy - 8.0], STYLE);
            let (l, r, t) = (x - 5.0, x + 5.0, cy - 9.0);
            let _ = writeln!(
                self.out,
                r##"<polygon class="meas" points="{l:.1},{t:.1} {r:.1},{t:.1} {x:.1},{cy:.1}" fill="#333"/>"##
            );
            self.text(x + 8.0, cy + 15.0, 12, "start", &clbit.to_string());
        }
        self.rect("meas", [x - 14.0, y - 14.0, 28.0, 28.0], "#f1f1f1", "#333");
        let (l, r, b) = (x - 9.0, x + 9.0, y + 6.0);
        let _ = writeln!(
            self.out,
            r#"<path class="meas" d="M {l:.1} {b:.1} A 9 9 0 0 1 {r:.1} {b:.1}" fill="none" {STYLE}/>"#
        );
        self.line("meas", [x, y + 6.0, x + 7.0, y - 7.0], STYLE);
    }

    fn barrier(&mut self, qubits: &[usize], x: f64) {
        let mut rows = qubits.to_vec();
        rows.sort_unstable();
        rows.dedup();
        // One band per run of consecutive qubits.
        for run in rows.chunk_by(|a, b| a + 1 == *b) {
            let top = row_y(run[0]) - 18.0;
            let h = row_y(run[run.len() - 1]) + 18.0 - top;
            let l = x - 6.0;
            let _ = writeln!(
                self.out,
                r##"<rect class="barrier" x="{l:.1}" y="{top:.1}" width="12" height="{h:.1}" fill="#bbb" fill-opacity="0.3" stroke="none"/>"##
            );
            let style = r##"stroke="#777" stroke-width="1.5" stroke-dasharray="4 3""##;
            self.line("barrier", [x, top, x, top + h], style);
        }
    }

    /// The opening `<svg …>` tag and the title.
    fn open(width: f64, height: f64, title: &str, capacity: usize) -> Svg {
        let mut out = String::with_capacity(capacity);
        let title = escape_xml(title);
        let _ = writeln!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1}" height="{height:.1}" viewBox="0 0 {width:.1} {height:.1}" role="img" font-family="monospace" font-size="14">
<title>{title}</title>
<rect class="background" x="0" y="0" width="{width:.1}" height="{height:.1}" fill="#fff"/>"##
        );
        Svg { out }
    }
}

/// The SVG diagram of `circuit`: one wire per qubit (labelled q0, q1, … on the left), a
/// double-line wire per classical bit (c0 …) below them when `show_clbits` and
/// `num_clbits > 0`, gates in the columns of [`layout_columns`].
///
/// Operations that cannot be drawn are left out; beyond the column limit (the smaller of
/// `options.max_columns` and [`MAX_DRAWN_COLUMNS`]) or [`MAX_DRAWN_OPERATIONS`] a note says
/// how many operations were not drawn.
pub fn draw_svg(circuit: &Circuit, options: &DrawOptions) -> String {
    let nq = circuit.num_qubits;
    let nc = if options.show_clbits {
        circuit.num_clbits
    } else {
        0
    };
    let ops = circuit.ops.len();
    let title = format!(
        "Circuit: {}, {}",
        plural(nq, "qubit"),
        plural(ops, "operation")
    );
    let rows = nq.saturating_add(nc);
    if nq == 0 || rows > MAX_DRAWN_WIRES {
        let msg = match nq {
            0 => "(empty circuit)".to_string(),
            _ => format!("(too large to draw: {})", plural(nq, "qubit")),
        };
        let w = (msg.chars().count() as f64 * SMALL_CHAR_W + 24.0).max(160.0);
        let mut svg = Svg::open(w, 40.0, &title, 512);
        svg.text(12.0, 25.0, 12, "start", &msg);
        svg.out.push_str("</svg>");
        return svg.out;
    }

    let cols = layout_columns(circuit);
    let placed = || cols.iter().copied().filter(|&c| c != SKIPPED);
    let total_cols = placed().map(|c| c + 1).max().unwrap_or(0);
    let limit = total_cols.min(options.max_columns.min(MAX_DRAWN_COLUMNS));
    let mut per_col = vec![0usize; limit];
    for c in placed().filter(|&c| c < limit) {
        per_col[c] += 1;
    }
    let (mut drawn_cols, mut drawn_ops) = (0, 0);
    for (i, &count) in per_col.iter().enumerate() {
        if drawn_ops + count > MAX_DRAWN_OPERATIONS {
            break;
        }
        (drawn_ops, drawn_cols) = (drawn_ops + count, i + 1);
    }
    let omitted = placed().filter(|&c| c >= drawn_cols).count();

    let mut widths = vec![MIN_COL_W; drawn_cols];
    for (op, &c) in circuit
        .ops
        .iter()
        .zip(&cols)
        .filter(|(_, &c)| c < drawn_cols)
    {
        widths[c] = widths[c].max(op_width(op) + COL_PAD);
    }
    let clbit_label = if nc > 0 {
        format!("c{}", nc - 1).len()
    } else {
        0
    };
    let max_label = format!("q{}", nq - 1).len().max(clbit_label);
    let left = 26.0 + max_label as f64 * CHAR_W;
    let mut centers = Vec::with_capacity(drawn_cols);
    let mut x = left;
    for w in &widths {
        centers.push(x + w / 2.0);
        x += w;
    }
    let wire_end = x.max(left + MIN_COL_W) + 8.0;
    let note = (omitted > 0).then(|| format!("… {omitted} more operation{}", plural_s(omitted)));
    let note_w = note
        .as_ref()
        .map_or(0.0, |s| s.chars().count() as f64 * SMALL_CHAR_W + 24.0);
    let width = (wire_end + RIGHT).max(note_w);
    let height = row_y(rows - 1) + BOTTOM + if note.is_some() { 24.0 } else { 0.0 };

    let mut svg = Svg::open(width, height, &title, 512 + drawn_ops * 240 + rows * 200);
    svg.out.push_str("<g class=\"wires\">\n");
    const WIRE: &str = r##"stroke="#555""##;
    for q in 0..nq {
        let y = row_y(q);
        svg.text(left - 10.0, y + 5.0, 14, "end", &format!("q{q}"));
        svg.line("wire", [left - 4.0, y, wire_end, y], WIRE);
    }
    for c in 0..nc {
        let y = row_y(nq + c);
        svg.text(left - 10.0, y + 5.0, 14, "end", &format!("c{c}"));
        for y in [y - 1.5, y + 1.5] {
            svg.line("cwire", [left - 4.0, y, wire_end, y], WIRE);
        }
    }
    svg.out.push_str("</g>\n<g class=\"ops\">\n");

    for (i, (op, &c)) in circuit.ops.iter().zip(&cols).enumerate() {
        if c >= drawn_cols {
            continue;
        }
        let x = centers[c];
        let tip = escape_xml(&op_title(op));
        let _ = writeln!(
            svg.out,
            r#"<g class="op" data-op="{i}"><title>{tip}</title>"#
        );
        match op {
            Op::Gate { kind, params, .. } => svg.gate(*kind, params, op.qubits(), x),
            Op::Measure { qubit, clbit } => {
                let cy = (nc > 0).then(|| row_y(nq + clbit));
                svg.measure(x, row_y(*qubit), cy, *clbit);
            }
            Op::Reset { qubit } => {
                let y = row_y(*qubit);
                svg.rect(
                    "reset",
                    [x - 19.0, y - 14.0, 38.0, 28.0],
                    "#fff4e0",
                    "#b26a00",
                );
                svg.text(x, y + 5.0, 14, "middle", "|0⟩");
            }
            Op::Delay { qubits } => {
                let mut qs = qubits.clone();
                qs.sort_unstable();
                qs.dedup();
                for y in qs.into_iter().map(row_y) {
                    svg.rect("delay", [x - 24.0, y - 12.0, 48.0, 24.0], "#f5f5f5", "#777");
                    svg.text(x, y + 4.0, 12, "middle", "delay");
                }
            }
            Op::Barrier { qubits } => svg.barrier(qubits, x),
        }
        svg.out.push_str("</g>\n");
    }
    svg.out.push_str("</g>\n");
    if let Some(note) = note {
        let (y, note) = (height - 12.0, escape_xml(&note));
        let _ = writeln!(
            svg.out,
            r##"<text class="note" x="12" y="{y:.1}" font-size="12" fill="#555">{note}</text>"##
        );
    }
    svg.out.push_str("</svg>");
    svg.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qasm::parse;

    fn circ(body: &str) -> Circuit {
        parse(&format!("OPENQASM 3.0; {body}")).expect("parses")
    }

    fn cols(body: &str) -> Vec<usize> {
        layout_columns(&circ(body))
    }

    /// Draws and checks the SVG is well-formed enough.
    fn svg_of(c: &Circuit, options: &DrawOptions) -> String {
        let s = draw_svg(c, options);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"), "{s}");
        let open_g = s.matches("<g ").count() + s.matches("<g>").count();
        assert_eq!(open_g, s.matches("</g>").count());
        assert_eq!(s.matches("<text").count(), s.matches("</text>").count());
        assert_eq!(s.matches("<title>").count(), s.matches("</title>").count());
        assert_eq!(s.matches('<').count(), s.matches('>').count());
        s
    }

    fn svg(body: &str) -> String {
        svg_of(&circ(body), &DrawOptions::default())
    }

    fn gate(kind: GateKind, params: Vec<Param>, qubits: Vec<usize>) -> Op {
        Op::Gate {
            kind,
            params,
            qubits,
        }
    }

    #[test]
    fn layout_rules() {
        assert_eq!(cols("qubit[2] q; h q[0]; cx q[0], q[1];"), [0, 1]);
        assert_eq!(
            cols("qubit[3] q; h q[0]; x q[1]; rz(0.1) q[2]; h q;"),
            [0, 0, 0, 1, 1, 1]
        );
        assert_eq!(cols("qubit[3] q; cx q[0], q[2]; h q[1];"), [0, 1]);
        assert_eq!(cols("qubit[3] q; h q[1]; cx q[2], q[0];"), [0, 1]);
        assert_eq!(cols("qubit[4] q; cx q[0], q[1]; cx q[2], q[3];"), [0, 0]);
        assert_eq!(cols("qubit[2] q; h q[0]; barrier q; h q[1];"), [0, 1, 2]);
        assert_eq!(
            cols("qubit[3] q; h q; barrier q[0], q[2]; h q[1];"),
            [0, 0, 0, 1, 2]
        );
        // measure q[0] -> c[0] crosses q[1]'s wire.
        let m = "qubit[2] q; bit[2] c; measure q[0] -> c[0]; h q[1]; measure q[1] -> c[1];";
        assert_eq!(cols(m), [0, 1, 2]);
    }

    #[test]
    fn draws_every_kind_of_op() {
        let s = svg("qubit[2] q; h q[0]; cx q[0], q[1];");
        assert!(s.contains("<title>Circuit: 2 qubits, 2 operations</title>"));
        assert!(s.contains(r#"role="img""#) && s.contains(r#"class="target""#));
        let s =
            svg("qubit[2] q; bit[2] c; barrier q; measure q -> c; reset q[0]; delay[10ns] q[1];");
        for class in ["barrier", "meas", "reset", "delay", "cwire"] {
            assert!(s.contains(&format!(r#"class="{class}""#)), "{class}");
        }
        assert!(s.contains("|0⟩") && s.contains(">delay<") && s.contains(">c1<"));
        for kind in GateKind::ALL {
            let n = kind.arity();
            for qubits in [
                (0..n).collect(),
                (0..n).rev().map(|q| 2 * q).collect::<Vec<_>>(),
            ] {
                let ps = vec![Param::Value(0.25); kind.num_params()];
                let c = Circuit {
                    ops: vec![gate(kind, ps, qubits)],
                    ..Circuit::new(5, 0)
                };
                assert_eq!(layout_columns(&c), [0]);
                let s = svg_of(&c, &DrawOptions::default());
                assert!(s.contains(r#"data-op="0""#), "{kind}");
            }
        }
    }

    #[test]
    fn angles() {
        let values = [PI / 2.0, -PI / 4.0, 3.0 * PI / 4.0, 2.0 * PI, PI, -PI / 8.0];
        let got = values.map(format_angle);
        assert_eq!(got, ["π/2", "-π/4", "3π/4", "2π", "π", "-π/8"]);
        let got = [0.5, 1.234, -1.5, 0.0, 1e-5, 1e-12].map(format_angle);
        assert_eq!(got, ["0.5", "1.234", "-1.5", "0", "1.00e-5", "0"]);
        assert_eq!(format_angle(f64::NAN), "NaN");
        let s = svg("qubit q; rx(pi/2) q; ry(-pi/4) q; rz(0.5) q; u(pi, 0, 3*pi/4) q;");
        assert!(s.contains(">π/2<") && s.contains(">-π/4<") && s.contains(">0.5<"));
        assert!(s.contains(">π, 0, 3π/4<"));
    }

    #[test]
    fn symbols_are_escaped() {
        assert!(svg("qubit q; rx(theta) q;").contains(">theta<"));
        let sym = Param::Symbol("a<b&c\"'\u{0}".into());
        let c = Circuit {
            ops: vec![gate(GateKind::Rx, vec![sym], vec![0])],
            ..Circuit::new(1, 0)
        };
        let s = svg_of(&c, &DrawOptions::default());
        assert!(s.contains("a&lt;b&amp;c&quot;&apos;\u{FFFD}") && !s.contains("a<b"));
        assert_eq!(escape_xml("a<b&c"), "a&lt;b&amp;c");
    }

    #[test]
    fn ghz_20_draws_every_wire_label() {
        let mut src = String::from("qubit[20] q; bit[20] c; h q[0];");
        for i in 0..19 {
            src.push_str(&format!(" cx q[{i}], q[{}];", i + 1));
        }
        src.push_str(" c = measure q;");
        let s = svg(&src);
        for i in 0..20 {
            assert!(s.contains(&format!(">q{i}</text>")) && s.contains(&format!(">c{i}</text>")));
        }
        assert!(s.contains("Circuit: 20 qubits, 40 operations"));
        let options = DrawOptions {
            show_clbits: false,
            ..DrawOptions::default()
        };
        let hidden = svg_of(&circ(&src), &options);
        assert!(!hidden.contains(">c0</text>") && !hidden.contains("cwire"));
    }

    #[test]
    fn invalid_ops_are_skipped_without_panicking() {
        let ops = vec![
            gate(GateKind::H, vec![], vec![5]),
            gate(GateKind::Cx, vec![], vec![0]),
            gate(GateKind::Cx, vec![], vec![1, 1]),
            gate(GateKind::Rx, vec![], vec![0]),
            Op::Measure { qubit: 0, clbit: 3 },
            Op::Measure {
                qubit: usize::MAX,
                clbit: 0,
            },
            Op::Reset { qubit: 2 },
            Op::Barrier { qubits: vec![] },
            Op::Delay { qubits: vec![0, 9] },
            gate(GateKind::H, vec![], vec![1]),
        ];
        let c = Circuit {
            ops,
            ..Circuit::new(2, 1)
        };
        assert_eq!(layout_columns(&c), [[SKIPPED; 9].as_slice(), &[0]].concat());
        svg_of(&c, &DrawOptions::default());
        let m = Op::Measure {
            qubit: usize::MAX - 1,
            clbit: usize::MAX - 1,
        };
        let huge = Circuit {
            ops: vec![m],
            ..Circuit::new(usize::MAX, usize::MAX)
        };
        assert_eq!(layout_columns(&huge), [SKIPPED]);
        assert!(svg_of(&huge, &DrawOptions::default()).contains("too large"));
    }

    #[test]
    fn empty_capped_and_wide() {
        let s = svg_of(&Circuit::default(), &DrawOptions::default());
        assert!(s.contains("Circuit: 0 qubits, 0 operations"));
        let h = gate(GateKind::H, vec![], vec![0]);
        let c = Circuit {
            ops: vec![h; MAX_DRAWN_COLUMNS + 100],
            ..Circuit::new(1, 0)
        };
        let s = svg_of(&c, &DrawOptions::default());
        assert!(s.contains("… 100 more operations"));
        assert_eq!(s.matches(r#"class="op""#).count(), MAX_DRAWN_COLUMNS);
        let thumb = svg_of(
            &c,
            &DrawOptions {
                max_columns: 3,
                ..DrawOptions::default()
            },
        );
        assert_eq!(thumb.matches(r#"class="op""#).count(), 3);
        let c = circ("qubit[2] q; h q[0]; u(0.123, 1.234, 2.345) q[1]; x q[0];");
        assert_eq!(layout_columns(&c), [0, 0, 1]);
        assert!(op_width(&c.ops[1]) + COL_PAD > MIN_COL_W);
        assert!(svg_of(&c, &DrawOptions::default()).contains(">0.123, 1.234, 2.345<"));
    }
}
