import Foundation

/// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, written with integer arithmetic: the text
/// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` gives, without its calendar.
///
/// It repeats that style's arithmetic (swift-foundation's `_CalendarGregorian.dateComponents` and
/// `DateComponents.ISO8601FormatStyle.format`) step for step, floating-point operations included:
/// - the whole seconds are `timeIntervalSinceReferenceDate` rounded down;
/// - the nanoseconds are `Int((t - seconds) * 1_000_000_000)`, and the milliseconds that, divided by one
///   million and rounded toward zero (the fraction is truncated, not rounded);
/// - the date is the proleptic Gregorian day of the whole seconds, the time their remainder in the day.
///
/// It handles only what it can write identically: years 1601 to 9999 (after the Julian-Gregorian cutover of
/// the style's calendar, four digits, no sign or era) and a millisecond below 1000. For anything else it
/// returns nil, and the caller uses the format style.
enum RFC3339Milliseconds {
    /// 1601-01-01T00:00:00Z in seconds since 2001-01-01T00:00:00Z (`Date`'s reference date).
    static let lowerBound: TimeInterval = -12_622_780_800
    /// 10000-01-01T00:00:00Z in seconds since the reference date.
    static let upperBound: TimeInterval = 252_423_993_600
    /// Days from 1970-01-01 to 2001-01-01.
    static let referenceDateUnixDay = 11_323

    /// The text of `date`, or nil outside the range described above (and for a NaN date).
    static func string(from date: Date) -> String? {
        let time = date.timeIntervalSinceReferenceDate
        // False for NaN as well.
        guard time >= lowerBound, time < upperBound else { return nil }

        let wholeSeconds = time.rounded(.down)
        let nanosecond = Int((time - wholeSeconds) * 1_000_000_000)
        let millisecond = Int((Double(nanosecond) / 1_000_000.0).rounded(.towardZero))
        // The fraction of a time just below a whole second can round up to a full second (only close to the
        // reference date, where the spacing of doubles is finer than a nanosecond); the style would write 1000.
        guard millisecond >= 0, millisecond < 1000 else { return nil }

        // Exact: a whole number well inside Int's and Double's integer range.
        let seconds = Int(wholeSeconds)
        let dayFromReference = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayFromReference * 86_400
        let (year, month, day) = civilDate(unixDay: dayFromReference + referenceDateUnixDay)
        guard (1601...9999).contains(year) else { return nil }

        let hour = secondOfDay / 3600
        let minute = secondOfDay % 3600 / 60
        let second = secondOfDay % 60

        return String(unsafeUninitializedCapacity: 24) { buffer in
            func digits(_ value: Int, count: Int, at offset: Int) {
                var value = value
                var index = offset + count - 1
                while index >= offset {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + value % 10)
                    value /= 10
                    index -= 1
                }
            }
            digits(year, count: 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            digits(month, count: 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            digits(day, count: 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            digits(hour, count: 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            digits(minute, count: 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            digits(second, count: 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            digits(millisecond, count: 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// The date of `text` when it is exactly what `string(from:)` writes (`yyyy-MM-ddTHH:mm:ss.SSSZ`, a valid
    /// date and time, years 1601 to 9999), computed as `Date.ISO8601FormatStyle`'s parse computes it
    /// (swift-foundation's `_CalendarGregorian.date(from:inTimeZone:)`: the seconds of the day plus the
    /// nanoseconds over 10⁹, added to the day's start). Nil for any other text: the caller uses the style.
    static func date(from text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for byte in bytes[range] {
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
                  let minute = number(14..<16), let second = number(17..<19), let millisecond = number(20..<23),
                  (1601...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysInMonth(month, year: year),
                  hour < 24, minute < 60, second < 60
            else { return nil }
            let unixDay = unixDay(year: year, month: month, day: day)
            let secondsInDay = Double(hour) * 3600 + Double(minute) * 60 + Double(second) + Double(millisecond * 1_000_000) / 1_000_000_000
            // Exact: the day's start is a whole number of seconds well inside Double's integer range.
            let dayStart = Double((unixDay - referenceDateUnixDay) * 86_400)
            return Date(timeIntervalSinceReferenceDate: dayStart + secondsInDay)
        }
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The day counted from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func unixDay(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400                                                      // 0...399
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1          // 0...365, from March 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear          // 0...146096
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`, http://howardhinnant.github.io/date_algorithms.html).
    static func civilDate(unixDay: Int) -> (year: Int, month: Int, day: Int) {
        let z = unixDay + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                      // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365 // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)       // 0...365, from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                          // 0...11, March = 0
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
