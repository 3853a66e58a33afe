import RAGCore
import Testing

@Suite struct KnowledgeExportTests {
    let parser = KnowledgeLineParser()

    func parse(_ line: String) throws -> KnowledgeRecord {
        try #require(try parser.parse(Substring(line), number: 1)?.get())
    }

    func vector(
        _ id: String, _ namespace: String, source: String, vectorID: String? = nil, matched: String? = nil,
        question: String = "Q?", answer: String = "A.", context: String = "", metadata: [String: JSONValue] = [:]
    ) -> IndexEntry {
        IndexEntry(
            id: id, namespace: namespace, vector: [1, 0], question: question, answer: answer, context: context, source: source,
            vectorID: vectorID, matchedQuestion: matched, metadata: metadata
        )
    }

    @Test func aLineParsesBackToTheSameRecordWhateverItHolds() throws {
        let record = KnowledgeRecord(
            id: "e-1", question: "Is \"quoted\" \\ text\tfine?", answer: "Yes:\nline two, ünïcödé, 🚆, \u{01} and \u{2028}.",
            context: "Context with / slashes", alternateQuestions: ["Other wording?", "Third {wording}?"], namespace: "billing",
            extra: [
                "tags": .array([.string("a"), .string("b")]), "priority": .number(3), "weight": .number(0.25), "big": .number(1e20),
                "negative": .number(-7), "active": .bool(false), "owner": .null,
                "nested": .object(["z": .number(1), "a": .array([.bool(true), .null, .object([:])])]),
            ]
        )
        let line = KnowledgeExport.line(for: record)
        #expect(!line.contains("\n"), "one record, one line")
        #expect(try parse(line) == record)
        #expect(line.hasPrefix(#"{"id":"e-1","question":"#), "id and question first, for people reading the file")
        #expect(line.contains(#""priority":3,"#), "whole numbers without a fraction")
        #expect(KnowledgeExport.line(for: record) == line, "the same record, the same line")

        let minimal = KnowledgeRecord(id: "m", question: "Q?", answer: "A.")
        #expect(KnowledgeExport.line(for: minimal) == #"{"id":"m","question":"Q?","answer":"A."}"#, "absent optional fields stay absent")
        #expect(try parse(KnowledgeExport.line(for: minimal)) == minimal)
    }

    @Test func vectorsFoldIntoOneRecordPerEntryAndOneFilePerSource() throws {
        let faq = "knowledge/billing/faq.jsonl"
        let metadata: [String: JSONValue] = ["tags": .array([.string("refund")])]
        var vectors = [
            vector("refund", "billing", source: faq, question: "How do refunds work?", answer: "Within 14 days.", context: "Refunds.", metadata: metadata),
            vector("plans", "billing", source: faq),
            vector("moved", "special", source: faq),
            vector("bike", "transport", source: "knowledge/transport/transport.jsonl"),
        ]
        // Alternates 1...11: their vectors sort as strings (#alt-10 before #alt-2); the record keeps their numbers' order.
        for number in 1...11 {
            vectors.append(vector(
                "refund", "billing", source: faq, vectorID: IndexEntry.alternateVectorID(entry: "refund", number: number), matched: "Refund wording \(number)?",
                question: "How do refunds work?", answer: "Within 14 days.", context: "Refunds.", metadata: metadata
            ))
        }
        let files = KnowledgeExport.files(from: vectors.shuffled())
        #expect(files.map(\.source) == [faq, "knowledge/transport/transport.jsonl"])
        #expect(files.map(\.relativePath) == [faq, "knowledge/transport/transport.jsonl"])
        #expect(files.map(\.vectorCount) == [14, 1])

        let records = files[0].records
        #expect(records.map(\.id) == ["plans", "refund", "moved"], "by namespace, then id")
        let refund = records[1]
        #expect(refund.alternateQuestions == (1...11).map { "Refund wording \($0)?" })
        #expect(refund.question == "How do refunds work?" && refund.answer == "Within 14 days." && refund.context == "Refunds.")
        #expect(refund.extra == metadata)
        #expect(records.map(\.namespace) == ["billing", "billing", "special"], "every line names its namespace")

        // The file's text is JSONL that parses back to its records.
        let lines = files[0].contents.split(separator: "\n")
        #expect(lines.count == 3 && files[0].contents.hasSuffix("\n"))
        #expect(try lines.map { try parse(String($0)) } == records)
    }

    @Test func sourceKeysBecomePathsInsideTheOutputDirectory() {
        #expect(KnowledgeExport.relativePath(forSource: "knowledge/transport/transport.jsonl") == "knowledge/transport/transport.jsonl")
        #expect(KnowledgeExport.relativePath(forSource: "/../../etc/passwd") == "_/_/etc/passwd.jsonl")
        #expect(KnowledgeExport.relativePath(forSource: "a//./b.JSONL") == "a/b.JSONL")
        #expect(KnowledgeExport.relativePath(forSource: "") == "no-source.jsonl")

        // Two keys that would land on the same path get distinct files.
        let files = KnowledgeExport.files(from: [vector("a", "ns", source: "kb/x"), vector("b", "ns", source: "kb/x.jsonl")])
        #expect(files.map(\.relativePath) == ["kb/x.jsonl", "kb/x-2.jsonl"])
    }

    @Test func aNamespaceNoLineMayNameIsLeftToTheKey() throws {
        let files = KnowledgeExport.files(from: [vector("a", "has space", source: "knowledge/has space/f.jsonl")])
        let record = try #require(files.first?.records.first)
        #expect(record.namespace == nil)
        #expect(try parse(KnowledgeExport.line(for: record)) == record)
    }

    @Test func nothingToExportGivesNoFiles() {
        #expect(KnowledgeExport.files(from: []).isEmpty)
    }
}
