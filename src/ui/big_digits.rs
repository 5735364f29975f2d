//! A three-row block-character font for the kiosk's header: digits, `:` and space, big
//! enough to read across a room. Each glyph is a 3x5 (colon 1x5) bitmap; two bitmap rows
//! share one terminal row through the half blocks (`▀`, `▄`, `█`), so five rows fit in three.

/// Rows of a glyph, `#` set; five of them, all the same width.
fn glyph(c: char) -> [&'static str; 5] {
    match c {
        '0' => ["###", "#.#", "#.#", "#.#", "###"],
        '1' => [".#.", "##.", ".#.", ".#.", "###"],
        '2' => ["###", "..#", "###", "#..", "###"],
        '3' => ["###", "..#", "###", "..#", "###"],
        '4' => ["#.#", "#.#", "###", "..#", "..#"],
        '5' => ["###", "#..", "###", "..#", "###"],
        '6' => ["###", "#..", "###", "#.#", "###"],
        '7' => ["###", "..#", "..#", "..#", "..#"],
        '8' => ["###", "#.#", "###", "#.#", "###"],
        '9' => ["###", "#.#", "###", "..#", "###"],
        ':' => [".", "#", ".", "#", "."],
        // Anything else (space included) is a blank as wide as a digit.
        _ => ["...", "...", "...", "...", "..."],
    }
}

/// The half block for an upper and a lower pixel.
fn cell(top: bool, bottom: bool) -> char {
    match (top, bottom) {
        (true, true) => '█',
        (true, false) => '▀',
        (false, true) => '▄',
        (false, false) => ' ',
    }
}

/// `text` in big characters: three rows of equal width, one column between glyphs.
pub fn render(text: &str) -> [String; 3] {
    let mut rows: [String; 3] = Default::default();
    for (n, c) in text.chars().enumerate() {
        let g = glyph(c);
        let px = |y: usize, x: usize| g.get(y).and_then(|r| r.as_bytes().get(x)) == Some(&b'#');
        for (i, row) in rows.iter_mut().enumerate() {
            if n > 0 {
                row.push(' ');
            }
            for x in 0..g[0].len() {
                row.push(cell(px(2 * i, x), px(2 * i + 1, x)));
            }
        }
    }
    rows
}

/// Columns `render(text)` takes.
pub fn width(text: &str) -> usize {
    render(text)[0].chars().count()
}

#[cfg(test)]
mod tests {
    use super::{render, width};

    #[test]
    fn digits_are_three_rows_of_half_blocks() {
        assert_eq!(render("0"), ["█▀█", "█ █", "▀▀▀"]);
        assert_eq!(render("1"), ["▄█ ", " █ ", "▀▀▀"]);
        assert_eq!(render("7"), ["▀▀█", "  █", "  ▀"]);
        assert_eq!(render("12:5")[0], "▄█  ▀▀█ ▄ █▀▀");
        assert_eq!(width("12:34:56"), 8 * 3 - 4 + 7);
    }

    #[test]
    fn every_row_has_the_same_width_and_unknown_characters_are_blank() {
        let r = render("0123456789:x?");
        assert!(r.iter().all(|l| l.chars().count() == r[0].chars().count()));
        assert_eq!(render("x"), ["   ", "   ", "   "]);
        assert_eq!(render(""), ["", "", ""]);
    }
}
