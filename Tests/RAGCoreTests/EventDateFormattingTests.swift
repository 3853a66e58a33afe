import Foundation
@testable import RAGCore
import Testing

/// `EventCoding.formatDate` writes dates with `RFC3339Milliseconds` instead of `Date.ISO8601FormatStyle`; the
/// text must stay exactly what the style wrote. These tests are the proof: they compare the two on many dates.
@Suite struct EventDateFormattingTests {
    /// What `formatDate` wrote with the format style alone: the reference.
    static func reference(_ date: Date) -> String {
        date.addingTimeInterval(0.0005).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The dates (at most 10) whose text differs from the reference, or that `RFC3339Milliseconds` left to
    /// the style when `expectFast` says it handles them.
    static func mismatches(_ dates: [Date], expectFast: Bool = true) -> [String] {
        var found: [String] = []
        for date in dates {
            let expected = reference(date)
            let actual = EventCoding.formatDate(date)
            let fast = RFC3339Milliseconds.string(from: date.addingTimeInterval(0.0005))
            if actual != expected || (expectFast && fast != expected) {
                found.append("\(date.timeIntervalSinceReferenceDate): \(actual) (fast: \(fast ?? "none")), style: \(expected)")
                if found.count == 10 { break }
            }
        }
        return found
    }

    static let unix2100: TimeInterval = 4_102_444_800 // 2100-01-01T00:00:00Z

    @Test func writesMillisecondsAndZulu() {
        #expect(EventCoding.formatDate(Date(timeIntervalSince1970: 1_795_878_728.123)) == "2026-11-28T15:12:08.123Z")
        #expect(EventCoding.formatDate(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(EventCoding.formatDate(Date(timeIntervalSince1970: 1_764_028_800.125)) == "2025-11-25T00:00:00.125Z")
        #expect(EventCoding.formatDate(Date(timeIntervalSinceReferenceDate: 0)) == "2001-01-01T00:00:00.000Z")
    }

    @Test(arguments: [
        "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.001Z", "1970-12-31T23:59:59.999Z",
        "1999-12-31T23:59:59.999Z", "2000-01-01T00:00:00.000Z", "2000-02-29T12:00:00.500Z", "2000-12-31T23:59:59.999Z",
        "2001-01-01T00:00:00.000Z", "2001-01-01T00:00:00.001Z", "2001-02-28T23:59:59.999Z", "2001-03-01T00:00:00.000Z",
        "2024-02-29T23:59:59.999Z", "2024-03-01T00:00:00.000Z", "2025-04-30T23:59:59.999Z", "2025-06-30T23:59:59.999Z",
        "2025-09-30T23:59:59.999Z", "2025-11-30T23:59:59.999Z", "2026-01-31T23:59:59.999Z", "2026-11-25T07:24:09.306Z",
        "2038-01-19T03:14:07.999Z", "2038-01-19T03:14:08.000Z", "2099-12-31T23:59:59.999Z", "2100-02-28T23:59:59.999Z",
        "2100-03-01T00:00:00.000Z", "1900-02-28T23:59:59.999Z", "1900-03-01T00:00:00.000Z", "1601-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.998Z",
    ])
    func parsedDatesFormatBackToTheirText(text: String) throws {
        let date = try #require(EventCoding.parseDate(text))
        #expect(EventCoding.formatDate(date) == text)
        #expect(Self.reference(date) == text)
        #expect(RFC3339Milliseconds.string(from: date.addingTimeInterval(0.0005)) == text)
    }

    @Test func randomMillisecondsFrom1970To2100() {
        var random = SeededGenerator(seed: 1)
        let dates = (0..<100_000).map { _ in
            Date(timeIntervalSince1970: Double(Int64.random(in: 0..<Int64(Self.unix2100 * 1000), using: &random)) / 1000)
        }
        #expect(Self.mismatches(dates) == [])
    }

    @Test func randomInstantsWithAnyFractionFrom1970To2100() {
        var random = SeededGenerator(seed: 2)
        let dates = (0..<100_000).map { _ in
            Date(timeIntervalSince1970: Double.random(in: 0..<Self.unix2100, using: &random))
        }
        #expect(Self.mismatches(dates) == [])
    }

    @Test func randomInstantsFrom1601To9999() {
        var random = SeededGenerator(seed: 3)
        let dates = (0..<50_000).map { _ in
            Date(timeIntervalSinceReferenceDate: Double.random(in: RFC3339Milliseconds.lowerBound..<(RFC3339Milliseconds.upperBound - 1), using: &random))
        }
        #expect(Self.mismatches(dates) == [])
    }

    /// Around every midnight from 1970 to 2100: every month's end, every February 29, every year's end, and
    /// the half millisecond `formatDate` adds carrying into the next day.
    @Test func aroundEveryMidnightFrom1970To2100() {
        var dates: [Date] = []
        let days = Int(Self.unix2100) / 86_400
        dates.reserveCapacity(days * 6)
        for day in 0...days {
            let midnight = Double(day * 86_400)
            for offset in [-0.001, -0.0005, -0.000_499, 0, 0.000_499, 0.999] {
                dates.append(Date(timeIntervalSince1970: midnight + offset))
            }
        }
        #expect(Self.mismatches(dates) == [])
    }

    /// Close to the reference date, before and after it: negative and positive intervals, and fractions finer
    /// than a nanosecond (where the style's arithmetic can round a fraction up to a whole second, which
    /// `RFC3339Milliseconds` leaves to the style).
    @Test func aroundTheReferenceDate() {
        var dates: [Date] = []
        var value = -0.0005
        for _ in 0..<50 {
            dates.append(Date(timeIntervalSinceReferenceDate: value))
            value = value.nextDown
        }
        value = -0.0005
        for _ in 0..<50 {
            dates.append(Date(timeIntervalSinceReferenceDate: value))
            value = value.nextUp
        }
        for interval in [-1.0, -0.999_5, -0.5, -1e-9, -1e-300, 0, 1e-300, 1e-9, 0.000_499_9, 0.5, 0.999_5, 1] {
            dates.append(Date(timeIntervalSinceReferenceDate: interval))
        }
        #expect(Self.mismatches(dates, expectFast: false) == [])
    }

    /// Outside 1601-9999 `formatDate` is the style's text (the style's calendar is Julian before 1582, and
    /// writes five-digit years).
    @Test func outsideTheRangeTheStyleWrites() {
        let dates = [
            Date.distantPast, Date(timeIntervalSince1970: -30_000_000_000), Date(timeIntervalSince1970: -12_219_292_801),
            Date(timeIntervalSinceReferenceDate: RFC3339Milliseconds.lowerBound - 0.001),
            Date(timeIntervalSinceReferenceDate: RFC3339Milliseconds.upperBound - 0.000_4),
            Date(timeIntervalSinceReferenceDate: RFC3339Milliseconds.upperBound),
            Date(timeIntervalSinceReferenceDate: RFC3339Milliseconds.upperBound + 86_400 * 400),
        ]
        for date in dates {
            #expect(RFC3339Milliseconds.string(from: date.addingTimeInterval(0.0005)) == nil)
        }
        #expect(Self.mismatches(dates, expectFast: false) == [])
        #expect(Self.mismatches([Date.distantFuture, Date(timeIntervalSinceReferenceDate: RFC3339Milliseconds.lowerBound)]) == [])
    }

    @Test func civilDatesOfKnownDays() {
        func civil(_ unixDay: Int) -> String {
            let date = RFC3339Milliseconds.civilDate(unixDay: unixDay)
            return "\(date.year)-\(date.month)-\(date.day)"
        }
        #expect(civil(0) == "1970-1-1")
        #expect(civil(-1) == "1969-12-31")
        #expect(civil(11_016) == "2000-2-29")
        #expect(civil(RFC3339Milliseconds.referenceDateUnixDay) == "2001-1-1")
        #expect(civil(47_541) == "2100-3-1")
        #expect(civil(-134_774) == "1601-1-1")
        #expect(civil(2_932_896) == "9999-12-31")
    }

    // MARK: Parsing: `RFC3339Milliseconds.date(from:)` must give the very `Date` the style's parse gives.

    /// The texts (at most 10) whose fast parse is not bit for bit the style's, or that the fast path left to
    /// the style.
    static func parseMismatches(_ texts: [String]) -> [String] {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var found: [String] = []
        for text in texts {
            let expected = try? style.parse(text)
            let fast = RFC3339Milliseconds.date(from: text)
            if fast == nil || fast?.timeIntervalSinceReferenceDate.bitPattern != expected?.timeIntervalSinceReferenceDate.bitPattern
                || EventCoding.parseDate(text) != expected {
                found.append("\(text): fast \(fast?.timeIntervalSinceReferenceDate.description ?? "none"), style \(expected?.timeIntervalSinceReferenceDate.description ?? "none")")
                if found.count == 10 { break }
            }
        }
        return found
    }

    @Test func parsesRandomMillisecondTextsAsTheStyleDoes() {
        var random = SeededGenerator(seed: 4)
        let recent = (0..<100_000).map { _ in
            EventCoding.formatDate(Date(timeIntervalSince1970: Double(Int64.random(in: 0..<Int64(Self.unix2100 * 1000), using: &random)) / 1000))
        }
        #expect(Self.parseMismatches(recent) == [])
        let anyYear = (0..<50_000).map { _ in
            EventCoding.formatDate(Date(timeIntervalSinceReferenceDate: Double.random(in: RFC3339Milliseconds.lowerBound..<(RFC3339Milliseconds.upperBound - 1), using: &random)))
        }
        #expect(Self.parseMismatches(anyYear) == [])
        #expect(Self.parseMismatches(["1601-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2000-02-29T12:00:00.500Z", "2100-02-28T23:59:59.999Z"]) == [])
    }

    @Test func parsesEveryDayFrom1601To9999AsTheStyleDoes() {
        var texts: [String] = []
        func digits(_ value: Int, _ count: Int) -> String {
            String(repeating: "0", count: max(0, count - String(value).count)) + String(value)
        }
        // Every 61st day of the whole range, and every day from 1999 to 2100.
        for unixDay in -134_774...2_932_896 where unixDay % 61 == 0 || (10_500...47_600).contains(unixDay) {
            let (year, month, day) = RFC3339Milliseconds.civilDate(unixDay: unixDay)
            #expect(RFC3339Milliseconds.unixDay(year: year, month: month, day: day) == unixDay)
            texts.append("\(digits(year, 4))-\(digits(month, 2))-\(digits(day, 2))T23:59:59.999Z")
        }
        #expect(Self.parseMismatches(texts) == [])
    }

    /// Anything but the exact text `formatDate` writes of a valid date goes to the style, which still reads
    /// the RFC 3339 forms it reads.
    @Test func leavesOtherTextsToTheStyle() throws {
        for text in [
            "2024-02-30T00:00:00.000Z", "2023-02-29T00:00:00.000Z", "2024-13-01T00:00:00.000Z", "2024-00-01T00:00:00.000Z",
            "2024-01-01T24:00:00.000Z", "2024-01-01T00:60:00.000Z", "2024-01-01T00:00:60.000Z", "1600-12-31T23:59:59.999Z",
            "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000+01:00", "2024-01-01T00:00:00.0000Z", "2024-01-01t00:00:00.000Z",
            "2024-01-01T00:00:00.00aZ", "",
        ] {
            #expect(RFC3339Milliseconds.date(from: text) == nil, "\(text)")
        }
        #expect(EventCoding.parseDate("2024-01-01T00:00:00Z") == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(EventCoding.parseDate("2024-01-01T01:00:00.250+01:00") == Date(timeIntervalSince1970: 1_704_067_200.25))
        #expect(EventCoding.parseDate("not a date") == nil)
    }

    /// The shared encoder writes what a new one writes, also when many tasks use it at once.
    @Test func sharedEncoderMatchesANewOneUnderConcurrentUse() async throws {
        let asked = QuestionAsked(
            id: "q1", question: "Can I bring my bike? /path", namespace: "transport", topK: 3,
            askedAt: Date(timeIntervalSince1970: 1_764_028_800.125), deadline: Date(timeIntervalSince1970: 1_764_028_830.5),
            callbackURL: "https://example.com/hook"
        )
        let expected = try EventCoding.encoder().encode(asked)
        #expect(try EventCoding.encode(asked) == expected)
        let allSame = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    for _ in 0..<50 {
                        guard let data = try? EventCoding.encode(asked), data == expected,
                              let decoded = try? EventCoding.decode(QuestionAsked.self, from: data),
                              let again = try? EventCoding.encode(decoded), again == expected
                        else { return false }
                    }
                    return true
                }
            }
            var all = true
            for await ok in group { all = all && ok }
            return all
        }
        #expect(allSame)
    }
}
