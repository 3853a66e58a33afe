import RAGCore
import Testing

@Suite struct KnowledgeLineParserTests {
    let parser = KnowledgeLineParser()

    func parse(_ line: String) -> Result<KnowledgeRecord, KnowledgeLineError>? {
        parser.parse(Substring(line), number: 7)
    }

    @Test func validLineKeepsUnknownFieldsAsMetadata() throws {
        let result = parse(#"{"id":"t-1","question":" Q? ","answer":"A.","context":"C","tags":["x"],"priority":2}"#)
        let record = try #require(try result?.get())
        #expect(record.id == "t-1")
        #expect(record.question == "Q?")
        #expect(record.context == "C")
        #expect(record.extra["tags"] == .array([.string("x")]))
        #expect(record.extra["priority"] == .number(2))
        #expect(record.embeddingText == "Q?\nC")
    }

    @Test func contextIsOptional() throws {
        let record = try #require(try parse(#"{"id":"t","question":"Q","answer":"A"}"#)?.get())
        #expect(record.context == "")
        #expect(record.embeddingText == "Q")
    }

    @Test func blankLinesAreSkippedNotErrors() {
        #expect(parse("   ") == nil)
        #expect(parse("") == nil)
    }

    @Test(arguments: [
        (#"{"id":"t","question":"Q""#, "invalid JSON"),
        (#"[1]"#, "expected a JSON object, found array"),
        (#"{"question":"Q","answer":"A"}"#, "missing field \"id\""),
        (#"{"id":"","question":"Q","answer":"A"}"#, "field \"id\" is empty"),
        (#"{"id":1,"question":"Q","answer":"A"}"#, "field \"id\" must be a string, found number"),
        (#"{"id":"t","answer":"A"}"#, "missing field \"question\""),
        (#"{"id":"t","question":"Q"}"#, "missing field \"answer\""),
        (#"{"id":"t","question":"Q","answer":null}"#, "field \"answer\" must be a string, found null"),
        (#"{"id":"t","question":"Q","answer":"A","context":5}"#, "field \"context\" must be a string, found number"),
        (#"{"id":"t","question":"Q","answer":"A","namespace":"a/b"}"#, "field \"namespace\" must be 1-64 letters"),
    ])
    func invalidLinesAreRejectedWithTheirReason(line: String, reason: String) {
        guard case .failure(let error)? = parse(line) else {
            Issue.record("expected a failure for \(line)")
            return
        }
        #expect(error.line == 7)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func oversizedFieldsAreRejected() {
        var limits = KnowledgeLineParser.Limits()
        limits.maxAnswerLength = 10
        let parser = KnowledgeLineParser(limits: limits)
        guard case .failure(let error)? = parser.parse(#"{"id":"t","question":"Q","answer":"01234567890"}"#, number: 1) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.reason == "field \"answer\" has 11 characters; the limit is 10")
    }

    @Test func namespaceComesFromTheKeyOrTheRecord() throws {
        #expect(KnowledgeSource(bucket: "b", key: "knowledge/transport/faq.jsonl").namespace == "transport")
        #expect(KnowledgeSource(bucket: "b", key: "retail/faq.jsonl").namespace == "retail")
        #expect(KnowledgeSource(bucket: "b", key: "faq.jsonl").namespace == "default")
        let record = try #require(try parse(#"{"id":"t","question":"Q","answer":"A","namespace":"special"}"#)?.get())
        #expect(record.namespace == "special")
    }
}

@Suite struct AlternateQuestionsTests {
    let parser = KnowledgeLineParser()

    @Test func alternatesBecomeVectorsOfTheSameEntry() throws {
        let line = #"{"id":"t-1","question":"How can I buy a ticket?","answer":"Online.","alternate_questions":["Where are tickets sold?"," Buy a ticket ","How can I buy a ticket?","Where are tickets sold?"]}"#
        let record = try #require(try parser.parse(Substring(line), number: 1)?.get())
        #expect(record.alternateQuestions == ["Where are tickets sold?", "Buy a ticket"])
        #expect(record.questionVectors.map(\.vectorID) == ["t-1", "t-1#alt-1", "t-1#alt-2"])
        #expect(record.extra["alternate_questions"] == nil)
    }

    @Test func badAlternatesAreRejectedWithTheReason() {
        let cases = [
            (#"{"id":"a","question":"q","answer":"x","alternate_questions":"one"}"#, "must be an array of strings"),
            (#"{"id":"a","question":"q","answer":"x","alternate_questions":["ok", 3]}"#, "[1] must be a string"),
            (#"{"id":"a","question":"q","answer":"x","alternate_questions":["  "]}"#, "[0] is empty"),
            (#"{"id":"a#alt-1","question":"q","answer":"x"}"#, "must not contain \"#alt-\""),
        ]
        for (line, reason) in cases {
            guard case .failure(let error)? = parser.parse(Substring(line), number: 7) else {
                Issue.record("accepted \(line)")
                continue
            }
            #expect(error.line == 7)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
