//! The mask applied to a drawn frame: each row's cells joined into one line, the line
//! masked, and every cell of a masked character given [`GLYPH`]s, one per column it took,
//! so nothing moves. Run last, over the whole buffer: every pane, overlay, title and status
//! line is covered without any of them knowing. Rows below a "serial" column header have
//! the words under the header masked too, until the column runs blank or into a border.

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

use super::{GLYPH, MaskState};

/// Mask `buf` in place with `state`'s rules and learned serials.
pub fn apply(buf: &mut Buffer, state: &MaskState) {
    let area = buf.area;
    let mut row = String::with_capacity(usize::from(area.width) * 3);
    // (byte offset in `row`, column, columns taken) per drawn symbol.
    let mut cells: Vec<(usize, u16, u16)> = Vec::with_capacity(usize::from(area.width));
    // Serial columns seen in rows above: (first, last + 1) screen column of the header.
    let mut columns: Vec<(u16, u16)> = Vec::new();
    for y in area.top()..area.bottom() {
        columns.retain(|&(a, b)| mask_column(buf, y, a, b));
        row.clear();
        cells.clear();
        let mut x = area.left();
        while x < area.right() {
            let sym = buf[(x, y)].symbol();
            // A wide symbol hides the cells after it (ratatui leaves them blank). ASCII
            // needs no table lookup.
            let w = if sym.len() == 1 {
                1
            } else {
                sym.width().max(1) as u16
            };
            let w = w.min(area.right() - x);
            cells.push((row.len(), x, w));
            row.push_str(sym);
            x += w;
        }
        let ranges = state.masker.ranges(&row, &state.known);
        let mut next = ranges.iter().peekable();
        for (i, &(start, x, w)) in cells.iter().enumerate() {
            let end = cells.get(i + 1).map_or(row.len(), |c| c.0);
            while next.peek().is_some_and(|r| r.end <= start) {
                next.next();
            }
            let hit = next.peek().is_some_and(|r| r.start < end && start < end);
            if hit {
                for dx in 0..w {
                    buf[(x + dx, y)].set_char(GLYPH);
                }
            }
        }
        for h in super::patterns::serial_headers(&row) {
            let col = |byte: usize| cells.iter().rev().find(|c| c.0 <= byte);
            if let (Some(a), Some(b)) = (col(h.start), col(h.end.saturating_sub(1))) {
                columns.push((a.1, b.1 + b.2));
            }
        }
    }
}

/// A blank cell or a border: where a word under a column header ends.
fn stops(sym: &str) -> bool {
    sym.trim().is_empty() || sym.chars().all(|c| ('\u{2500}'..='\u{257F}').contains(&c))
}

/// Mask the words of row `y` that reach into screen columns `a..b`; false when the column
/// has ended (nothing there, or a border: the table or pane is over).
fn mask_column(buf: &mut Buffer, y: u16, a: u16, b: u16) -> bool {
    let (left, right) = (buf.area.left(), buf.area.right());
    if (a..b).all(|x| stops(buf[(x, y)].symbol())) {
        return false;
    }
    let mut x = a;
    while x < b {
        if stops(buf[(x, y)].symbol()) {
            x += 1;
            continue;
        }
        let mut s = x;
        while s > left && !stops(buf[(s - 1, y)].symbol()) {
            s -= 1;
        }
        let mut e = x;
        while e < right && !stops(buf[(e, y)].symbol()) {
            e += 1;
        }
        for c in s..e {
            buf[(c, y)].set_char(GLYPH);
        }
        x = e;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::Masker;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    fn text(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn masks_cells_keeps_styles_and_widths() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 2));
        buf.set_string(0, 0, "名 10.0.0.1│ok", Style::default().fg(Color::Red));
        buf.set_string(0, 1, "漢字 4.28.0F", Style::default());
        let state = MaskState::new(true, Masker::new(&["漢".into()]).expect("valid"));
        apply(&mut buf, &state);
        let t = text(&buf);
        // The wide 名 keeps its blank second cell; 漢 (two columns) becomes two glyphs.
        assert_eq!(t[0], "名  ••••••••│ok          ");
        assert_eq!(t[1], format!("{:<24}", "••字  4.28.0F"));
        assert_eq!(buf[(3, 0)].fg, Color::Red);
    }

    #[test]
    fn words_under_a_serial_header_are_masked_to_the_end_of_the_table() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 6));
        for (y, l) in [
            "│Slot Model        Serial Number  │",
            "│---- ------------ -------------- │",
            "│1    PWR-500AC    ABC1234567     │",
            "│2    PWR-500AC      XYZ         │",
            "│                                 │",
            "│3    after-blank  KEPT9          │",
        ]
        .iter()
        .enumerate()
        {
            buf.set_string(0, y as u16, l, Style::default());
        }
        apply(&mut buf, &MaskState::new(true, Masker::default()));
        let t = text(&buf);
        assert!(t[0].contains("Serial Number"), "{t:?}");
        assert!(t[2].contains("PWR-500AC    ••••••••••"), "{t:?}");
        assert!(t[3].contains("PWR-500AC      •••"), "{t:?}");
        assert!(t[5].contains("KEPT9"), "a blank row ends the table: {t:?}");
    }

    proptest::proptest! {
        /// Any text, wide characters included: no panic, every cell either kept or a glyph,
        /// and a second pass changes nothing.
        #[test]
        fn any_frame_is_masked_cell_for_cell_and_idempotently(
            lines in proptest::collection::vec("(\\PC|[0-9.:-]){0,40}", 1..4)
        ) {
            let mut buf = Buffer::empty(Rect::new(0, 0, 30, 4));
            for (y, l) in lines.iter().enumerate() {
                buf.set_string(0, y as u16, l, Style::default());
            }
            let before = buf.clone();
            let mut k = crate::mask::KnownSerials::default();
            k.learn("AB12");
            let state = MaskState { known: k, ..MaskState::new(true, Masker::default()) };
            apply(&mut buf, &state);
            for (a, b) in before.content.iter().zip(&buf.content) {
                proptest::prop_assert!(a.symbol() == b.symbol() || b.symbol() == "•");
            }
            let once = buf.clone();
            apply(&mut buf, &state);
            proptest::prop_assert_eq!(once, buf);
        }
    }
}
