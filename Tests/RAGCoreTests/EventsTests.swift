import Foundation
import RAGCore
import Testing

@Suite struct EventsTests {
    let asked = QuestionAsked(
        id: "q1", question: "How?", namespace: "transport", topK: 3,
        askedAt: Date(timeIntervalSince1970: 1_764_028_800.125), deadline: Date(timeIntervalSince1970: 1_764_028_830.5), callbackURL: "https://example.com/hook"
    )

    @Test func questionAskedUsesSnakeCaseAndMillisecondDates() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: EventCoding.encode(asked)) as? [String: Any])
        #expect(json["schema_version"] as? Int == 1)
        #expect(json["top_k"] as? Int == 3)
        #expect(json["callback_url"] as? String == "https://example.com/hook")
        #expect(json["asked_at"] as? String == "2025-11-25T00:00:00.125Z")
        let decoded = try EventCoding.decode(QuestionAsked.self, from: EventCoding.encode(asked))
        #expect(decoded.id == asked.id)
        #expect(abs(decoded.deadline.timeIntervalSince(asked.deadline)) < 0.001)
    }

    @Test func datesSurviveRepeatedDecodeAndEncode() throws {
        var question = asked
        question.askedAt = try #require(EventCoding.parseDate("2026-11-25T07:24:09.306Z"))
        for _ in 0..<3 {
            question = try EventCoding.decode(QuestionAsked.self, from: EventCoding.encode(question))
        }
        #expect(EventCoding.formatDate(question.askedAt) == "2026-11-25T07:24:09.306Z")
    }

    @Test func unknownFieldsAreIgnoredAndSecondPrecisionDatesAccepted() throws {
        let json = #"{"schema_version":2,"id":"q","question":"Q","top_k":1,"asked_at":"2026-01-01T00:00:00Z","deadline":"2026-01-01T00:00:30Z","future_field":true}"#
        let decoded = try EventCoding.decode(QuestionAsked.self, from: Data(json.utf8))
        #expect(decoded.namespace == nil)
        #expect(decoded.deadline.timeIntervalSince(decoded.askedAt) == 30)
    }

    @Test func unansweredAnswerCarriesTheReasonAndCallback() {
        let answer = AnswerReady.unanswered(asked, status: .expired, reason: "deadline passed", now: asked.deadline)
        #expect(answer.status == .expired)
        #expect(answer.error == "deadline passed")
        #expect(answer.callbackURL == asked.callbackURL)
        #expect(answer.references.isEmpty)
        #expect((answer.timings.pipelineMilliseconds ?? 0) > 30_000)
    }

    @Test func anAnswersCallbackTargetIsReadWithoutTheRest() throws {
        var withCallback = AnswerReady.unanswered(asked, status: .failed, reason: "broken")
        let target = try EventCoding.decode(AnswerReady.CallbackTarget.self, from: EventCoding.encode(withCallback))
        #expect(target.id == "q1" && target.callbackURL == "https://example.com/hook")
        withCallback.callbackURL = nil
        let none = try EventCoding.decode(AnswerReady.CallbackTarget.self, from: EventCoding.encode(withCallback))
        #expect(none.id == "q1" && none.callbackURL == nil)
        #expect(throws: DecodingError.self) { try EventCoding.decode(AnswerReady.CallbackTarget.self, from: Data(#"{"callback_url":"https://x"}"#.utf8)) }
    }

    @Test func envelopeHeadersRoundTrip() throws {
        let trace = TraceParent.random()
        let envelope = EventEnvelope(type: EventTypes.questionAsked, source: "/ragline/gateway", subject: "q1", traceParent: trace)
        let headers = Dictionary(uniqueKeysWithValues: envelope.headers.map { ($0.name, $0.value) })
        #expect(headers["ce_specversion"] == "1.0")
        #expect(headers["content-type"] == "application/json")
        let parsed = try EventEnvelope.parse { headers[$0] }.get()
        #expect(parsed.id == envelope.id)
        #expect(parsed.type == EventTypes.questionAsked)
        #expect(parsed.traceParent == trace)
        #expect(abs(parsed.time.timeIntervalSince(envelope.time)) < 0.001)
    }

    @Test func randomTraceIdsAreW3CShapedAndDistinct() throws {
        let traces = (0..<200).map { _ in TraceParent.random() }
        for trace in traces {
            #expect(trace.traceID.count == 32 && trace.parentID.count == 16)
            #expect((trace.traceID + trace.parentID).allSatisfy { "0123456789abcdef".contains($0) })
            #expect(TraceParent(parsing: trace.description) == trace)
            #expect(trace.child().traceID == trace.traceID && trace.child().parentID != trace.parentID)
        }
        #expect(Set(traces.map(\.traceID)).count == traces.count)
    }

    @Test func envelopeWithoutRequiredAttributesIsRejected() {
        guard case .failure(let error) = EventEnvelope.parse(header: { $0 == "ce_specversion" ? "1.0" : nil }) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.reason == "missing ce_id")
        guard case .failure = EventEnvelope.parse(header: { _ in nil }) else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func traceParentParsesAndChildrenKeepTheTrace() throws {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(parsing: text))
        #expect(parent.description == text)
        let child = parent.child()
        #expect(child.traceID == parent.traceID)
        #expect(child.parentID != parent.parentID)
        #expect(TraceParent(parsing: "00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceParent(parsing: "garbage") == nil)
    }

    @Test func traceParentIsReadByteForByte() throws {
        let upper = try #require(TraceParent(parsing: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"))
        #expect(upper.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && upper.parentID == "00f067aa0ba902b7" && upper.flags == "01")
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(TraceParent(parsing: valid)?.description == valid)
        for invalid in [
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // another version
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", // trace id one digit short
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b70-1", // a dash out of place
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", // trailing bytes
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", // not hex
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x", // flags not hex
            "00-4bf92f3577b34da6a3ce929d0e0e473é-00f067aa0ba902b7-01", // not ASCII
            "",
        ] {
            #expect(TraceParent(parsing: invalid) == nil, "\(invalid)")
        }
    }
}
