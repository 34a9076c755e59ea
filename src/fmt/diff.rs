//! Unified diffs as `terraform fmt -diff` prints them: Terraform runs GNU `diff -u` with
//! `old/NAME` and `new/NAME` labels, so this follows GNU diff's choices (Myers' middle-snake
//! split, change runs slid to merge with neighbours, three lines of context).

/// The unified diff of two texts, or an empty string when they are equal.
pub fn unified_diff(old: &str, new: &str, name: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let (old_changed, new_changed) = changed_lines(&old_lines, &new_lines);
    let changes = change_runs(&old_changed, &new_changed);
    let mut out = format!("--- old/{name}\n+++ new/{name}\n");
    for hunk in hunks(&changes) {
        write_hunk(&mut out, &hunk, &old_lines, &new_lines);
    }
    out
}

/// Lines with their terminators, so that a last line without one differs from the same text
/// with one.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Which lines of each side are not part of the common subsequence.
fn changed_lines(old: &[&str], new: &[&str]) -> (Vec<bool>, Vec<bool>) {
    // Lines become numbers so that comparisons are cheap and equal lines share one number.
    let mut ids = std::collections::HashMap::new();
    let mut id = |line: &str| {
        let next = ids.len();
        *ids.entry(line.to_string()).or_insert(next)
    };
    let a: Vec<usize> = old.iter().map(|l| id(l)).collect();
    let b: Vec<usize> = new.iter().map(|l| id(l)).collect();
    let mut search = Search {
        a: &a,
        b: &b,
        a_changed: vec![false; a.len()],
        b_changed: vec![false; b.len()],
        forward: Vec::new(),
        backward: Vec::new(),
    };
    search.compare(0, a.len(), 0, b.len());
    let (mut a_changed, mut b_changed) = (search.a_changed, search.b_changed);
    shift_boundaries(&a, &mut a_changed, &b_changed);
    shift_boundaries(&b, &mut b_changed, &a_changed);
    (a_changed, b_changed)
}

struct Search<'s> {
    a: &'s [usize],
    b: &'s [usize],
    a_changed: Vec<bool>,
    b_changed: Vec<bool>,
    forward: Vec<i64>,
    backward: Vec<i64>,
}

impl Search<'_> {
    fn compare(&mut self, mut a_lo: usize, mut a_hi: usize, mut b_lo: usize, mut b_hi: usize) {
        while a_lo < a_hi && b_lo < b_hi && self.a[a_lo] == self.b[b_lo] {
            a_lo += 1;
            b_lo += 1;
        }
        while a_hi > a_lo && b_hi > b_lo && self.a[a_hi - 1] == self.b[b_hi - 1] {
            a_hi -= 1;
            b_hi -= 1;
        }
        if a_lo == a_hi {
            self.b_changed[b_lo..b_hi].fill(true);
        } else if b_lo == b_hi {
            self.a_changed[a_lo..a_hi].fill(true);
        } else {
            let (a_mid, b_mid) = self.middle_snake(a_lo, a_hi, b_lo, b_hi);
            self.compare(a_lo, a_mid, b_lo, b_mid);
            self.compare(a_mid, a_hi, b_mid, b_hi);
        }
    }

    /// Where the shortest edit script crosses its middle: searches forward from the top left
    /// and backward from the bottom right, one edit at a time, until the two meet.
    fn middle_snake(
        &mut self,
        a_lo: usize,
        a_hi: usize,
        b_lo: usize,
        b_hi: usize,
    ) -> (usize, usize) {
        let (xoff, xlim, yoff, ylim) = (a_lo as i64, a_hi as i64, b_lo as i64, b_hi as i64);
        let dmin = xoff - ylim;
        let dmax = xlim - yoff;
        let fmid = xoff - yoff;
        let bmid = xlim - ylim;
        let odd = (fmid - bmid) & 1 != 0;
        // Diagonals run from dmin - 1 to dmax + 1; index = diagonal - dmin + 1.
        let size = (dmax - dmin + 3) as usize;
        self.forward.clear();
        self.forward.resize(size, -1);
        self.backward.clear();
        self.backward.resize(size, i64::MAX);
        let at = |d: i64| (d - dmin + 1) as usize;
        let (mut fmin, mut fmax, mut bmin, mut bmax) = (fmid, fmid, bmid, bmid);
        self.forward[at(fmid)] = xoff;
        self.backward[at(bmid)] = xlim;
        loop {
            if fmin > dmin {
                fmin -= 1;
                self.forward[at(fmin - 1)] = -1;
            } else {
                fmin += 1;
            }
            if fmax < dmax {
                fmax += 1;
                self.forward[at(fmax + 1)] = -1;
            } else {
                fmax -= 1;
            }
            let mut d = fmax;
            while d >= fmin {
                let left = self.forward[at(d - 1)];
                let right = self.forward[at(d + 1)];
                let mut x = if left >= right { left + 1 } else { right };
                let mut y = x - d;
                while x < xlim && y < ylim && self.a[x as usize] == self.b[y as usize] {
                    x += 1;
                    y += 1;
                }
                self.forward[at(d)] = x;
                if odd && bmin <= d && d <= bmax && self.backward[at(d)] <= x {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
            if bmin > dmin {
                bmin -= 1;
                self.backward[at(bmin - 1)] = i64::MAX;
            } else {
                bmin += 1;
            }
            if bmax < dmax {
                bmax += 1;
                self.backward[at(bmax + 1)] = i64::MAX;
            } else {
                bmax -= 1;
            }
            let mut d = bmax;
            while d >= bmin {
                let left = self.backward[at(d - 1)];
                let right = self.backward[at(d + 1)];
                let mut x = if left < right { left } else { right - 1 };
                let mut y = x - d;
                while x > xoff && y > yoff && self.a[(x - 1) as usize] == self.b[(y - 1) as usize] {
                    x -= 1;
                    y -= 1;
                }
                self.backward[at(d)] = x;
                if !odd && fmin <= d && d <= fmax && x <= self.forward[at(d)] {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
        }
    }
}

/// Slides each run of changed lines as GNU diff does: back while the line before it equals
/// its last line (merging with earlier runs), then forward likewise, and finally back to
/// line up with a run of changes on the other side when it can.
fn shift_boundaries(lines: &[usize], changed: &mut [bool], other: &[bool]) {
    let end = lines.len();
    let is = |v: &[bool], i: i64| i >= 0 && (i as usize) < v.len() && v[i as usize];
    let mut i: i64 = 0;
    let mut j: i64 = 0;
    loop {
        while (i as usize) < end && !changed[i as usize] {
            while is(other, j) {
                j += 1;
            }
            j += 1;
            i += 1;
        }
        if i as usize >= end {
            break;
        }
        let mut start = i;
        i += 1;
        while is(changed, i) {
            i += 1;
        }
        while is(other, j) {
            j += 1;
        }
        let mut corresponding;
        loop {
            let run = i - start;
            while start > 0 && lines[(start - 1) as usize] == lines[(i - 1) as usize] {
                start -= 1;
                changed[start as usize] = true;
                i -= 1;
                changed[i as usize] = false;
                while is(changed, start - 1) {
                    start -= 1;
                }
                j -= 1;
                while is(other, j) {
                    j -= 1;
                }
            }
            corresponding = if is(other, j - 1) { i } else { end as i64 };
            while (i as usize) < end && lines[start as usize] == lines[i as usize] {
                changed[start as usize] = false;
                start += 1;
                changed[i as usize] = true;
                i += 1;
                while is(changed, i) {
                    i += 1;
                }
                j += 1;
                while is(other, j) {
                    j += 1;
                    corresponding = i;
                }
            }
            if run == i - start {
                break;
            }
        }
        while corresponding < i {
            start -= 1;
            changed[start as usize] = true;
            i -= 1;
            changed[i as usize] = false;
            j -= 1;
            while is(other, j) {
                j -= 1;
            }
        }
    }
}

/// One run of changes: `deleted` old lines from `old_start`, `inserted` new lines from
/// `new_start`.
#[derive(Clone, Copy, Debug)]
struct Change {
    old_start: usize,
    new_start: usize,
    deleted: usize,
    inserted: usize,
}

fn change_runs(old_changed: &[bool], new_changed: &[bool]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old_changed.len() || j < new_changed.len() {
        let deleted = old_changed[i..].iter().take_while(|c| **c).count();
        let inserted = new_changed[j..].iter().take_while(|c| **c).count();
        if deleted + inserted > 0 {
            out.push(Change {
                old_start: i,
                new_start: j,
                deleted,
                inserted,
            });
            i += deleted;
            j += inserted;
        } else {
            i += 1;
            j += 1;
        }
    }
    out
}

const CONTEXT: usize = 3;

/// Changes closer than twice the context share a hunk.
fn hunks(changes: &[Change]) -> Vec<Vec<Change>> {
    let mut out: Vec<Vec<Change>> = Vec::new();
    for change in changes {
        match out.last_mut() {
            Some(hunk)
                if hunk.last().is_some_and(|last| {
                    change.old_start - (last.old_start + last.deleted) <= 2 * CONTEXT
                }) =>
            {
                hunk.push(*change)
            }
            _ => out.push(vec![*change]),
        }
    }
    out
}

/// GNU's range notation: `start` alone for one line, `start,count` otherwise, and the line
/// before an empty range.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{count}", start + 1),
    }
}

fn write_hunk(out: &mut String, hunk: &[Change], old: &[&str], new: &[&str]) {
    let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else {
        return;
    };
    let old_from = first.old_start.saturating_sub(CONTEXT);
    let new_from = first.new_start.saturating_sub(CONTEXT);
    let old_to = (last.old_start + last.deleted + CONTEXT).min(old.len());
    let new_to = (last.new_start + last.inserted + CONTEXT).min(new.len());
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(old_from, old_to - old_from),
        range(new_from, new_to - new_from)
    ));
    let mut i = old_from;
    for change in hunk {
        while i < change.old_start {
            line(out, ' ', old[i]);
            i += 1;
        }
        for l in &old[change.old_start..change.old_start + change.deleted] {
            line(out, '-', l);
        }
        for l in &new[change.new_start..change.new_start + change.inserted] {
            line(out, '+', l);
        }
        i = change.old_start + change.deleted;
    }
    while i < old_to {
        line(out, ' ', old[i]);
        i += 1;
    }
}

fn line(out: &mut String, prefix: char, text: &str) {
    out.push(prefix);
    match text.strip_suffix('\n') {
        Some(body) => {
            out.push_str(body);
            out.push('\n');
        }
        None => {
            out.push_str(text);
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line_with_context() {
        let old = "a=1\nb = 2\n";
        let new = "a = 1\nb = 2\n";
        assert_eq!(
            unified_diff(old, new, "x.tf"),
            "--- old/x.tf\n+++ new/x.tf\n@@ -1,2 +1,2 @@\n-a=1\n+a = 1\n b = 2\n"
        );
    }

    #[test]
    fn a_single_line_range_has_no_count_and_a_missing_newline_is_marked() {
        assert_eq!(
            unified_diff("q=1", "q = 1", "v.tfvars"),
            "--- old/v.tfvars\n+++ new/v.tfvars\n@@ -1 +1 @@\n-q=1\n\\ No newline at end of file\n+q = 1\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (0..20).map(|i| format!("l{i}\n")).collect();
        let new = old.replace("l2\n", "L2\n").replace("l17\n", "L17\n");
        let diff = unified_diff(&old, &new, "f");
        assert_eq!(diff.matches("@@ -").count(), 2);
        assert!(diff.contains("@@ -1,6 +1,6 @@\n"));
        assert!(diff.contains("@@ -15,6 +15,6 @@\n"));
    }
}
