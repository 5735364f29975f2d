//! `ListCursor`: the selected row of a list and the first row shown, kept in view with
//! as little movement as possible. One type for every pane's list.

/// A list's cursor (`selected`) and view (`offset`, the first row shown last time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    /// First visible row, kept so moving up does not drag the view along.
    pub offset: usize,
}

impl ListCursor {
    /// The first row to draw in `height` rows so the cursor stays visible, moving the
    /// view as little as possible from `offset`.
    pub fn top(&self, height: usize) -> usize {
        let (cursor, offset) = (self.selected, self.offset);
        if height == 0 {
            // Nothing drawn yet (or no room): keep the view, at most up to the cursor.
            return offset.min(cursor);
        }
        if cursor < offset {
            cursor
        } else if cursor >= offset + height {
            cursor + 1 - height
        } else {
            offset
        }
    }

    /// The cursor on a list of `len` rows (a list that shrank leaves it on the last).
    #[must_use]
    pub fn clamped(self, len: usize) -> ListCursor {
        ListCursor {
            selected: self.selected.min(len.saturating_sub(1)),
            ..self
        }
    }

    /// Move by `delta` rows (a page is a bigger delta) within `len` rows, then scroll
    /// the cursor into a view of `height` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        // Saturating at 0, then capped at the last row: the same clamp, without casts.
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(len.saturating_sub(1));
        self.offset = self.top(height);
    }

    /// A click on the `row`-th visible row of a view of `height` rows selects it, if the
    /// list has that many rows.
    pub fn click(&mut self, row: usize, len: usize, height: usize) {
        let top = self.top(height);
        if top + row < len {
            self.selected = top + row;
            self.offset = top;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListCursor;

    #[test]
    fn the_view_moves_only_to_keep_the_cursor_visible() {
        let at = |selected, offset| ListCursor { selected, offset };
        assert_eq!(at(3, 0).top(5), 0);
        assert_eq!(at(7, 0).top(5), 3);
        assert_eq!(at(2, 4).top(5), 2);
        assert_eq!(at(9, 4).top(0), 4);
    }
}
