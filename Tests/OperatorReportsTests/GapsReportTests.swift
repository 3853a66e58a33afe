import Foundation
import OperatorReports
import RAGCore
import Testing

@Suite struct GapsReportTests {
    /// Parking asked four times in three wordings, student discounts twice in two, and a one-off.
    let embedder = TopicEmbedder(table: [
        "Is there parking at the station?": (0, 5, 0.3),
        "Where can I park my car near the station?": (0, 6, 0.3),
        "Do you have a car park?": (0, 7, 0.25),
        "Do you have student discounts?": (1, 8, 0.3),
        "Can students travel cheaper?": (1, 9, 0.3),
        "Can I smoke on the platform?": (2, 10, 0.2),
    ])

    func options(margin: Double = 0.05, namespace: String? = nil, since: Date? = nil) -> GapsOptions {
        GapsOptions(scope: ReportScope(namespace: namespace, since: since), margin: margin, clustering: AgglomerativeClustering(distanceThreshold: 0.45), now: t0.addingTimeInterval(3_600))
    }

    /// The traffic above, all `no_match` against thresholds of 0.5, plus answers that are not gaps.
    var traffic: [ReportRecord] {
        let questions: [(String, String)] = [
            ("q1", "Is there parking at the station?"), ("q2", "Where can I park my car near the station?"),
            ("q3", "Do you have a car park?"), ("q4", "is there parking at the station"),
            ("q5", "Do you have student discounts?"), ("q6", "Can students travel cheaper?"),
            ("q7", "Can I smoke on the platform?"),
        ]
        var records: [ReportRecord] = []
        for (number, (id, text)) in questions.enumerated() {
            records.append(Records.question(id, text, namespace: "transport", at: Double(number)))
            let closest = id == "q3" ? [("transport-012", "transport", 0.44), ("transport-001", "transport", 0.30)] : [("transport-001", "transport", 0.35)]
            records.append(Records.answer(id, status: .noMatch, candidates: closest, at: Double(number)))
        }
        // Answered comfortably: not a gap.
        records.append(Records.question("q8", "How can I buy a train ticket?", namespace: "transport", at: 20))
        records.append(Records.answer("q8", status: .answered, candidates: [("transport-001", "transport", 0.9)], references: [Records.reference("transport-001")], at: 20))
        return records
    }

    @Test func noMatchAndNearThresholdAnswersAreGapsAndNothingElse() {
        let records = [
            Records.question("a", "one"), Records.answer("a", status: .noMatch, candidates: [("x", "n", 0.3)]),
            Records.question("b", "two"), Records.answer("b", status: .answered, threshold: 0.5, candidates: [("x", "n", 0.53)]),
            Records.question("c", "three"), Records.answer("c", status: .answered, threshold: 0.5, candidates: [("x", "n", 0.56)]),
            Records.question("d", "four"), Records.answer("d", status: .clarify, threshold: 0.5, candidates: [("x", "n", 0.52), ("y", "n", 0.52)]),
            Records.question("e", "five"), Records.plainAnswer("e", status: .failed),
            Records.question("f", "six"), Records.plainAnswer("f", status: .expired),
            Records.question("g", "seven"), Records.answer("g", status: .answered, threshold: 0.5, candidates: [("x", "n", 0.5)]),
        ]
        let events = ReportEvents.decode(records)
        let selected = GapsReport.selectGaps(events, scope: ReportScope(), margin: 0.05)
        #expect(selected.answers.count == 7)
        #expect(Set(selected.gaps.map(\.questionID)) == ["a", "b", "d", "g"])
        #expect(selected.gaps.first { $0.questionID == "a" }?.kind == .noMatch)
        #expect(selected.gaps.first { $0.questionID == "b" }?.kind == .nearThreshold)
        #expect(selected.gaps.first { $0.questionID == "b" }?.confidence == 0.53)
        #expect(selected.gaps.first { $0.questionID == "b" }?.threshold == 0.5)

        // A margin of 0 keeps the no_match answers only.
        #expect(GapsReport.selectGaps(events, scope: ReportScope(), margin: 0).gaps.map(\.questionID) == ["a"])
        // A wider margin takes in the answer 0.06 over.
        #expect(GapsReport.selectGaps(events, scope: ReportScope(), margin: 0.1).gaps.contains { $0.questionID == "c" })
    }

    @Test func paraphrasesAreGroupedAndGroupsRankedByHowOftenAsked() async throws {
        let report = try await GapsReport.build(ReportEvents.decode(traffic), options: options(), embedder: embedder)
        #expect(report.answers == 8)
        #expect(report.gaps == 7)
        #expect(report.noMatch == 7)
        #expect(report.groups.count == 3)

        let parking = report.groups[0]
        #expect(parking.rank == 1)
        #expect(parking.asked == 4)
        #expect(parking.wordings == 3)
        #expect(parking.representative == "Is there parking at the station?")
        #expect(parking.examples.first == Wording(question: "Is there parking at the station?", asked: 2))
        #expect(Set(parking.allWordings.map(\.question)) == ["Is there parking at the station?", "Where can I park my car near the station?", "Do you have a car park?"])
        #expect(parking.namespace == "transport")
        // The closest entry over the whole group: q3's best candidate.
        #expect(parking.closestEntries.first?.id == "transport-012")
        #expect(parking.closestEntries.first?.confidence == 0.44)
        #expect(parking.closestEntries.first?.best == 1)
        #expect(parking.closestEntries.dropFirst().first?.id == "transport-001")
        #expect(parking.closestEntries.dropFirst().first?.best == 3)

        #expect(report.groups[1].asked == 2)
        #expect(Set(report.groups[1].allWordings.map(\.question)) == ["Do you have student discounts?", "Can students travel cheaper?"])
        #expect(report.groups[2].asked == 1)
        #expect(report.groups[2].representative == "Can I smoke on the platform?")
        #expect(report.grouping.embeddingModel == "test-topics")
    }

    @Test func withoutAnEmbedderOnlyTheSameWordingIsGrouped() {
        let report = GapsReport.build(ReportEvents.decode(traffic), options: options(), fallback: "no model files")
        #expect(report.groups.count == 6)
        #expect(report.groups[0].asked == 2)
        #expect(report.groups[0].wordings == 1)
        #expect(report.grouping.embeddingModel == nil)
        #expect(report.grouping.fallback == "no model files")
        #expect(report.table().contains("grouping identical wordings only: no model files"))
    }

    @Test func aFailingEmbedderThrowsSoTheCallerCanFallBack() async {
        await #expect(throws: FailingEmbedder.Down.self) {
            try await GapsReport.build(ReportEvents.decode(traffic), options: options(), embedder: FailingEmbedder())
        }
    }

    @Test func scopeFiltersByNamespaceAndTime() async throws {
        var records = traffic
        records.append(Records.question("r1", "Do you sell furniture?", namespace: "retail", at: 30))
        records.append(Records.answer("r1", status: .noMatch, candidates: [("retail-001", "retail", 0.2)], at: 30))
        let events = ReportEvents.decode(records)
        let retail = GapsReport.build(events, options: options(namespace: "retail"))
        #expect(retail.answers == 1)
        #expect(retail.groups.map(\.representative) == ["Do you sell furniture?"])
        // Answers given at t0 + 1 ... t0 + 7 are before the window; r1 (t0 + 31) is in it.
        let recent = GapsReport.build(events, options: options(since: t0.addingTimeInterval(25)))
        #expect(recent.answers == 1)
        #expect(recent.gaps == 1)
    }

    @Test func aGapWithoutItsQuestionIsCountedNotListed() {
        let records = [Records.answer("lost", status: .noMatch, candidates: [("x", "n", 0.2)])]
        let report = GapsReport.build(ReportEvents.decode(records), options: options())
        #expect(report.answers == 1)
        #expect(report.gaps == 0)
        #expect(report.withoutQuestion == 1)
        #expect(report.table().contains("1 gap answer has no question record"))
    }

    @Test func theQuestionInsideARetrievalServesWhenTheQuestionRecordIsGone() {
        let entry = Records.reference("transport-001")
        let records = [
            Records.retrieval("q", "Is there a lounge?", entry: entry, matchedQuestion: entry.question),
            Records.answer("q", status: .noMatch, candidates: [("transport-001", "transport", 0.3)]),
        ]
        let report = GapsReport.build(ReportEvents.decode(records), options: options())
        #expect(report.groups.first?.representative == "Is there a lounge?")
        // ... and the retrieval names the closest entry's question.
        #expect(report.groups.first?.closestEntries.first?.question == entry.question)
    }

    @Test func draftLinesBecomeValidKnowledgeOnceTheAnswerIsWritten() async throws {
        let report = try await GapsReport.build(ReportEvents.decode(traffic), options: options(), embedder: embedder)
        let lines = report.jsonLines(section: .gaps)
        #expect(lines.count == 3)
        let parser = KnowledgeLineParser()

        // As written: the parser refuses the empty answer, so an unfinished draft cannot go live.
        guard case .failure(let error)? = parser.parse(Substring(lines[0]), number: 1) else {
            Issue.record("a draft with an empty answer was accepted")
            return
        }
        #expect(error.reason == "field \"answer\" is empty")

        var object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["id"] as? String == report.groups[0].draftID)
        #expect((object["id"] as? String)?.hasPrefix("draft-transport-") == true)
        #expect(object["question"] as? String == "Is there parking at the station?")
        #expect(object["namespace"] as? String == "transport")
        #expect(object["asked"] as? Int == 4)
        #expect(object["suggestion"] as? String == "new_entry")
        #expect((object["draft_note"] as? String)?.contains("transport/transport-012") == true)
        object["answer"] = "Yes: 200 spaces, EUR 5 a day."
        let completed = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        guard case .success(let record)? = parser.parse(Substring(completed), number: 1) else {
            Issue.record("the completed draft was rejected")
            return
        }
        #expect(record.question == "Is there parking at the station?")
        #expect(Set(record.alternateQuestions) == ["Where can I park my car near the station?", "Do you have a car park?"])
        #expect(record.namespace == "transport")
        // The notes for the person stay as metadata if left in.
        #expect(Set(record.extra.keys) == ["suggestion", "asked", "draft_note"])
    }

    @Test func draftIDsAreStableAndValid() {
        let id = GapsReport.draftID(representative: "Is there parking at the station?", namespace: "transport")
        #expect(id == GapsReport.draftID(representative: "is there parking at the station", namespace: "transport"))
        #expect(id != GapsReport.draftID(representative: "Is there a lounge?", namespace: "transport"))
        #expect(id.count == "draft-transport-".count + 10)
        #expect(GapsReport.draftID(representative: "x", namespace: nil).hasPrefix("draft-"))
    }

    @Test func jsonLinesEscapeWhatJSONNeeds() throws {
        let records = [
            Records.question("q", "Is \"express\" \\ faster?\nReally"),
            Records.answer("q", status: .noMatch, candidates: [("x", "n", 0.2)]),
        ]
        let line = try #require(GapsReport.build(ReportEvents.decode(records), options: options()).jsonLines().first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["question"] as? String == "Is \"express\" \\ faster?\nReally")
    }

    @Test func malformedRecordsAreCountedAndTheRestReported() async throws {
        var records = traffic
        records += [
            ReportRecord(topic: Topics.retrievals, key: "bad", value: Data("{\"question\": 42}".utf8), eventType: EventTypes.contextRetrieved),
            ReportRecord(topic: Topics.answers, key: "half", value: Data("{\"id\": \"half\", \"status\": ".utf8)),
        ]
        let report = try await GapsReport.build(ReportEvents.decode(records), options: options(), embedder: embedder)
        #expect(report.malformed == [Topics.retrievals: 1, Topics.answers: 1])
        #expect(report.groups.count == 3)
        #expect(report.table().contains("Skipped 2 malformed records: rag.answers 1 (first: not JSON (key half)), rag.retrievals 1"))
    }

    @Test func anEmptySystemSaysSo() async throws {
        let report = try await GapsReport.build(ReportEvents.decode([]), options: options(), embedder: embedder)
        #expect(report.answers == 0)
        #expect(report.groups.isEmpty)
        #expect(report.jsonLines().isEmpty)
        #expect(report.emptyMessage?.hasPrefix("No answers yet on rag.answers") == true)
        #expect(report.table().hasPrefix("No answers yet on rag.answers"))
        let json = try ReportJSON.encode(report)
        #expect(json.contains("\"groups\":[]"))
    }

    @Test func answersWithoutGapsSaySo() {
        let records = [Records.question("q", "How can I buy a train ticket?"), Records.answer("q", status: .answered, candidates: [("x", "n", 0.9)])]
        let report = GapsReport.build(ReportEvents.decode(records), options: options())
        #expect(report.emptyMessage == nil)
        #expect(report.table().contains("No knowledge gaps since the start of the topics, all namespaces: none of the 1 answers was no_match"))
    }

    @Test func theTableListsGroupsExamplesAndClosestEntries() async throws {
        let table = try await GapsReport.build(ReportEvents.decode(traffic), options: options(), embedder: embedder).table()
        #expect(table.contains("7 of 8 answers: 7 no_match, 0 answered less than 0.05 over its threshold; 3 groups, grouped by meaning with test-topics"))
        #expect(table.contains("| 1 | 4 | 4 | 0 | transport | Is there parking at the station? | transport/transport-012 | 0.440 / 0.500 |"))
        #expect(table.contains("  1. \"Is there parking at the station?\" (2), "))
        // Shown only when some group has more than one wording.
        #expect(table.contains("Wordings per group"))
    }
}

@Suite struct AlternateQuestionsTests {
    let entry = Records.reference("transport-001", question: "How can I buy a train ticket?")

    @Test func upVotedWordingsThatReachedAnEntryAreSuggested() {
        let records = [
            Records.question("a", "Where do I get tickets?"), Records.feedback("a", .up, references: [entry]),
            Records.question("b", "where do i get tickets"), Records.feedback("b", .up, references: [entry]),
            Records.question("c", "Tickets, where?"), Records.feedback("c", .up, references: [entry]),
            // The entry's own question, in other case: nothing to add.
            Records.question("d", "how can I buy a train ticket"), Records.feedback("d", .up, references: [entry]),
            // Rated down more than up: not suggested.
            Records.question("e", "Can I buy tickets on the train?"), Records.feedback("e", .down, references: [entry]),
            // Not an answer from the entry.
            Records.question("f", "Can I pay by card?"), Records.feedback("f", .up, status: .clarify, references: [entry]),
        ]
        let suggestions = AlternateSuggestion.suggest(ReportEvents.decode(records), scope: ReportScope(), minUpvotes: 1)
        #expect(suggestions.count == 1)
        #expect(suggestions[0].id == "transport-001")
        #expect(suggestions[0].namespace == "transport")
        #expect(suggestions[0].question == "How can I buy a train ticket?")
        #expect(suggestions[0].alternates == [
            SuggestedAlternate(question: "Where do I get tickets?", up: 2, down: 0),
            SuggestedAlternate(question: "Tickets, where?", up: 1, down: 0),
        ] || suggestions[0].alternates == [
            SuggestedAlternate(question: "where do i get tickets", up: 2, down: 0),
            SuggestedAlternate(question: "Tickets, where?", up: 1, down: 0),
        ])
        #expect(AlternateSuggestion.suggest(ReportEvents.decode(records), scope: ReportScope(), minUpvotes: 2).first?.alternates.count == 1)
    }

    @Test func aWordingTheEntryAlreadyHasIsNotSuggestedAgain() {
        let records = [
            Records.retrieval("a", "Where do I get tickets?", entry: entry, matchedQuestion: "Where do I get tickets?"),
            Records.question("a", "Where do I get tickets?"), Records.feedback("a", .up, references: [entry]),
        ]
        #expect(AlternateSuggestion.suggest(ReportEvents.decode(records), scope: ReportScope(), minUpvotes: 1).isEmpty)
    }

    @Test func suggestionsAreInTheGapsReportAndItsJSONLines() throws {
        let records = [
            Records.question("a", "Where do I get tickets?"), Records.answer("a", status: .answered, candidates: [("transport-001", "transport", 0.8)], references: [entry]),
            Records.feedback("a", .up, references: [entry]),
        ]
        let report = GapsReport.build(ReportEvents.decode(records), options: GapsOptions(now: t0))
        #expect(report.alternates.count == 1)
        #expect(report.table().contains("| transport/transport-001 | How can I buy a train ticket? | Where do I get tickets? | 1 | 0 |"))
        let lines = report.jsonLines(section: .alternates)
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["id"] as? String == "transport-001")
        #expect(object["alternate_questions"] as? [String] == ["Where do I get tickets?"])
        #expect(object["suggestion"] as? String == "alternate_questions")
        #expect(report.jsonLines(section: .gaps).isEmpty)
    }
}
