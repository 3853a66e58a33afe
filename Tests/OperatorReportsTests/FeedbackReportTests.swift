import Foundation
import OperatorReports
import RAGCore
import Testing

@Suite struct FeedbackReportTests {
    let delayed = Records.reference("transport-009", question: "What happens if my train is delayed?")
    let tickets = Records.reference("transport-001", question: "How can I buy a train ticket?")
    let bikes = Records.reference("transport-005", question: "Can I bring my bicycle on board?")
    let wifi = Records.reference("transport-008", question: "Is there Wi-Fi on the train?")

    func options(minRatings: Int = 1, namespace: String? = nil, since: Date? = nil) -> FeedbackOptions {
        var options = FeedbackOptions(scope: ReportScope(namespace: namespace, since: since), now: t0.addingTimeInterval(3_600))
        options.minRatings = minRatings
        return options
    }

    /// Each entry cited by answered questions, rated as the counts say (`d`: down, `u`: up).
    func traffic() -> [ReportRecord] {
        var records: [ReportRecord] = []
        var number = 0
        func asked(_ entry: AnswerReference, _ rating: FeedbackGiven.Rating?, comment: String? = nil) {
            number += 1
            let id = "q\(number)"
            records.append(Records.question(id, "question \(number)", at: Double(number)))
            records.append(Records.answer(id, status: .answered, candidates: [(entry.id, "transport", 0.8)], references: [entry], at: Double(number)))
            if let rating { records.append(Records.feedback(id, rating, comment: comment, references: [entry], at: Double(100 + number))) }
        }
        // delayed: 3 down, 1 up (75 %), cited 5 times.
        asked(delayed, .down, comment: "doesn't say how to claim")
        asked(delayed, .down)
        asked(delayed, .down, comment: "  ")
        asked(delayed, .up, comment: "ok")
        asked(delayed, nil)
        // tickets: 2 up (0 %), cited 3 times.
        asked(tickets, .up)
        asked(tickets, .up)
        asked(tickets, nil)
        // bikes: 1 down (100 %), cited once.
        asked(bikes, .down, comment: "no word about e-bikes")
        // wifi: cited twice, never rated.
        asked(wifi, nil)
        asked(wifi, nil)
        return records
    }

    @Test func countsCitationsAndRatingsPerEntry() throws {
        let report = FeedbackReport.build(ReportEvents.decode(traffic()), options: options())
        #expect(report.answered == 11)
        #expect(report.ratings == 7)
        #expect(report.up == 3)
        #expect(report.down == 4)
        let delayed = try #require(report.entries.first { $0.id == "transport-009" })
        #expect(delayed.cited == 5)
        #expect(delayed.up == 1)
        #expect(delayed.down == 3)
        #expect(delayed.downShare == 0.75)
        #expect(delayed.question == "What happens if my train is delayed?")
        // Blank comments are not comments; the newest first.
        #expect(delayed.comments.map(\.comment) == ["ok", "doesn't say how to claim"])
        #expect(delayed.comments.first?.question == "question 4")
        #expect(report.entries.first { $0.id == "transport-008" }?.downShare == nil)
    }

    @Test func worstShareOfThumbsDownComesFirst() {
        let report = FeedbackReport.build(ReportEvents.decode(traffic()), options: options())
        // 100 %, 75 %, 0 %, then never rated.
        #expect(report.entries.map(\.id) == ["transport-005", "transport-009", "transport-001", "transport-008"])
    }

    @Test func entriesWithTooFewRatingsComeAfterTheRest() {
        let report = FeedbackReport.build(ReportEvents.decode(traffic()), options: options(minRatings: 2))
        // bikes has one rating only: after every entry with two or more, before the unrated.
        #expect(report.entries.map(\.id) == ["transport-009", "transport-001", "transport-005", "transport-008"])
        #expect(report.table().contains("entries with fewer than 2 ratings after the others"))
    }

    @Test func anEqualShareIsBrokenByTheNumberOfThumbsDown() {
        var records: [ReportRecord] = []
        for (number, entry) in [bikes, bikes, wifi].enumerated() {
            let id = "q\(number)"
            records += [Records.question(id, "q"), Records.feedback(id, .down, references: [entry])]
        }
        let report = FeedbackReport.build(ReportEvents.decode(records), options: options())
        #expect(report.entries.map(\.id) == ["transport-005", "transport-008"])
        #expect(report.entries.map(\.down) == [2, 1])
    }

    @Test func aQuestionRatedTwiceCountsItsLatestRating() {
        let records = [
            Records.question("q", "q"),
            Records.feedback("q", .down, references: [tickets], at: 10),
            Records.feedback("q", .up, references: [tickets], at: 20),
        ]
        let report = FeedbackReport.build(ReportEvents.decode(records), options: options())
        #expect(report.entries.first?.up == 1)
        #expect(report.entries.first?.down == 0)
    }

    @Test func ratingsOfAnswersWithoutAnEntryAreCountedApart() {
        let records = [
            Records.question("a", "Is there parking?"), Records.plainAnswer("a", status: .noMatch),
            Records.feedback("a", .down, status: .noMatch, references: []),
            Records.question("b", "Can I pay?"), Records.feedback("b", .up, status: .clarify, references: [tickets, bikes]),
        ]
        let report = FeedbackReport.build(ReportEvents.decode(records), options: options())
        #expect(report.entries.isEmpty)
        #expect(report.unattributed["no_match"] == UnattributedRatings(up: 0, down: 1))
        #expect(report.unattributed["clarify"] == UnattributedRatings(up: 1, down: 0))
        #expect(report.ratings == 2)
        #expect(report.table().contains("Ratings of answers that cite no entry to rate: clarify 1 up, 0 down; no_match 0 up, 1 down"))
    }

    @Test func scopeFiltersByNamespaceAndTime() {
        var records = traffic()
        let returns = Records.reference("retail-001", namespace: "retail", question: "What is your return policy?")
        records += [Records.question("r", "Can I send it back?"), Records.feedback("r", .down, references: [returns], at: 500)]
        let retail = FeedbackReport.build(ReportEvents.decode(records), options: options(namespace: "retail"))
        #expect(retail.entries.map(\.id) == ["retail-001"])
        #expect(retail.ratings == 1)
        // Ratings given at t0 + 101 ... t0 + 109 are before the window; the retail one (t0 + 500) is in it.
        let recent = FeedbackReport.build(ReportEvents.decode(records), options: options(since: t0.addingTimeInterval(200)))
        #expect(recent.ratings == 1)
        #expect(recent.answered == 0)
    }

    @Test func malformedRecordsAreCountedAndSkipped() throws {
        var records = traffic()
        records += [
            ReportRecord(topic: Topics.feedback, key: "x", value: Data("not json".utf8), eventType: EventTypes.feedbackGiven),
            ReportRecord(topic: Topics.feedback, key: "y", value: Data(#"{"question_id":"y","rating":"sideways"}"#.utf8)),
            ReportRecord(topic: Topics.answers, key: "z", value: Data(#"{"id":"z"}"#.utf8)),
            ReportRecord(topic: Topics.answers, key: "w", value: Data("{}".utf8), eventType: "io.ragline.something.else.v1"),
            ReportRecord(topic: Topics.questions, key: "v", value: Data("[1, 2]".utf8)),
            ReportRecord(topic: Topics.feedback, value: Data()),
            // Another topic entirely: not read, not counted.
            ReportRecord(topic: "rag.ingest.events", value: Data("garbage".utf8)),
        ]
        let events = ReportEvents.decode(records)
        #expect(events.malformed == [Topics.feedback: 3, Topics.answers: 2, Topics.questions: 1])
        #expect(events.malformedExample[Topics.feedback] == "not JSON (key x)")
        #expect(events.malformedExample[Topics.answers]?.hasPrefix("missing field") == true)
        #expect(events.recordsRead["rag.ingest.events"] == nil)
        let report = FeedbackReport.build(events, options: options())
        #expect(report.malformedTotal == 6)
        #expect(report.ratings == 7)
        #expect(report.table().contains("Skipped 6 malformed records: rag.answers 2 (first: missing field"))
        let json = try ReportJSON.encode(report)
        #expect(json.contains("\"malformed\":{\"rag.answers\":2,\"rag.feedback\":3,\"rag.questions\":1}"))
    }

    @Test func anEmptySystemSaysSo() throws {
        let report = FeedbackReport.build(ReportEvents.decode([]), options: options())
        #expect(report.entries.isEmpty)
        #expect(report.table().hasPrefix("No answers or feedback yet on rag.answers and rag.feedback"))
        #expect(try ReportJSON.encode(report).contains("\"entries\":[]"))
    }

    @Test func theTableShowsTheWorstEntryFirstWithItsComments() {
        let table = FeedbackReport.build(ReportEvents.decode(traffic()), options: options()).table(limit: 2)
        #expect(table.contains("7 ratings (3 up, 4 down); 11 answered questions citing 4 entries."))
        #expect(table.contains("| transport/transport-005 | Can I bring my bicycle on board? | 1 | 0 | 1 | 100% | down: \"no word about e-bikes\" (2025-11-24 16:01 UTC) |"))
        #expect(table.contains("2 more entries (--limit 0 shows every entry)."))
    }
}

@Suite struct ReportSupportTests {
    @Test(arguments: [("90s", 90.0), ("30m", 1_800), ("24h", 86_400), ("7d", 604_800), ("2w", 1_209_600), ("1.5h", 5_400)])
    func durations(text: String, seconds: Double) {
        #expect(ReportDuration.parse(text) == seconds)
    }

    @Test(arguments: ["", "h", "24", "-1h", "0h", "24x", "1e400h"])
    func badDurations(text: String) {
        #expect(ReportDuration.parse(text) == nil)
    }

    @Test func questionsCompareWithoutCaseSpacingOrClosingPunctuation() {
        #expect(QuestionText.normalized("  Where do I   get tickets?! ") == "where do i get tickets")
        #expect(QuestionText.normalized("?") == "")
    }
}
