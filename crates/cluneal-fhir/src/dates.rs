//! FHIR dates, as far as an assessment needs them: a birth date gives an
//! age, an onset gives a duration, an entry date says whether it is recent.
//! The assessment date always comes from the caller: this crate has no clock,
//! and no date library (the tidy test keeps clock-bearing crates out of the
//! pure core), so the little calendar arithmetic needed lives here.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: i32,
    month: u8,
    day: u8,
}

impl CalendarDate {
    /// 0001-01-01, earlier than any date a record can give.
    pub const EARLIEST: CalendarDate = CalendarDate { year: 1, month: 1, day: 1 };

    /// The date, if it exists (years 1 to 9999, as FHIR allows).
    pub fn new(year: i32, month: u8, day: u8) -> Option<CalendarDate> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=9999).contains(&year) && (1..=days_in_month).contains(&day)).then_some(CalendarDate {
            year,
            month,
            day,
        })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn day_number(self) -> i64 {
        let m = i64::from(self.month);
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The calendar date a FHIR `date`, `dateTime` or `instant` falls on.
/// A partial date stands for the middle of its period (`1970` is
/// 2 July 1970, `1970-03` is 15 March 1970): an age or a duration is then
/// off by at most half the period, never more.
pub fn parse_date(s: &str) -> Option<CalendarDate> {
    let day_part = s.get(..10).unwrap_or(s);
    let mut parts = day_part.split('-');
    let year =
        parts.next().filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()?;
    let number = |p: &str| {
        (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse::<u8>().ok()).flatten()
    };
    let month = match parts.next() {
        None => return CalendarDate::new(year, 7, 2),
        Some(m) => number(m)?,
    };
    let day = match parts.next() {
        None => 15,
        Some(d) => number(d)?,
    };
    if parts.next().is_some() {
        return None;
    }
    // A dateTime goes on with `T`; anything else after the date is not FHIR.
    match s.get(10..11) {
        None | Some("T") => CalendarDate::new(year, month, day),
        Some(_) => None,
    }
}

/// Completed years from `born` to `on` (negative when `born` is later).
pub fn whole_years(born: CalendarDate, on: CalendarDate) -> i32 {
    let mut years = on.year - born.year;
    if (on.month, on.day) < (born.month, born.day) {
        years -= 1;
    }
    years
}

/// Days from `from` to `to` (negative when `from` is later).
pub fn days_between(from: CalendarDate, to: CalendarDate) -> i64 {
    to.day_number() - from.day_number()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<CalendarDate> {
        parse_date(s)
    }

    #[test]
    fn full_partial_and_date_time_values_parse() {
        assert_eq!(d("1980-02-29"), CalendarDate::new(1980, 2, 29));
        assert_eq!(d("1970"), CalendarDate::new(1970, 7, 2));
        assert_eq!(d("1970-03"), CalendarDate::new(1970, 3, 15));
        assert_eq!(d("2020-05-06T10:00:00+02:00"), CalendarDate::new(2020, 5, 6));
        for bad in [
            "",
            "70",
            "1970-3",
            "1970-02-30",
            "1970-01-01x",
            "1970-13",
            "2020-05-06 10:00",
            "19a0",
            "1981-02-29",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(d("2026-11-30").map(|x| x.to_string()).as_deref(), Some("2026-11-30"));
    }

    #[test]
    fn ages_and_days_count_on_the_calendar() {
        let (Some(a), Some(b), Some(c)) = (d("1980-06-15"), d("2026-06-14"), d("2026-06-15")) else {
            panic!("dates parse");
        };
        assert_eq!(whole_years(a, b), 45);
        assert_eq!(whole_years(a, c), 46);
        assert_eq!(whole_years(c, a), -46);
        assert_eq!(d("1970-01-01").map(|x| x.day_number()), Some(0));
        assert_eq!(d("2000-03-01").map(|x| x.day_number()), Some(11_017));
        let week = d("2026-11-23").zip(d("2026-11-30")).map(|(x, y)| days_between(x, y));
        assert_eq!(week, Some(7));
        let leap = d("2024-02-28").zip(d("2024-03-01")).map(|(x, y)| days_between(x, y));
        assert_eq!(leap, Some(2));
    }
}
