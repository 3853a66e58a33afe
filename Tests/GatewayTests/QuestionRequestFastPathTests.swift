import Foundation
@testable import Gateway
import Hummingbird
import RAGCore
import Testing

/// `QuestionRequest.parse` decodes the known fields directly (`fastFields`) and falls back to the whole-body
/// `JSONValue` decode (`slowFields`) when that fails. Whatever the body, the outcome (the request, or the
/// error with its status, code and message) must be what the `JSONValue` path alone gives.
@Suite struct QuestionRequestFastPathTests {
    static let limits = QuestionRequest.Limits(maxQuestionLength: 2_000, defaultTopK: 5, maxTopK: 20)
    static let policy = CallbackTargetPolicy(allowedHosts: [])

    /// Bodies the fast decode reads: objects whose known members have their types, or null.
    static let fastBodies: [String] = [
        #"{"question":"Can I bring my bike?"}"#,
        #"{"question":"Can I bring my bike?","namespace":"transport","top_k":3,"callback_url":"https://example.com/hook"}"#,
        #"{"question":"Can I bring my bike?","stream":true}"#,
        #"{"question":"Can I bring my bike?","stream":false,"top_k":20}"#,
        #"{"question":"q","namespace":null,"top_k":null,"callback_url":null,"stream":null}"#,
        #"{"question":null}"#,
        #"{}"#,
        #"{"namespace":"transport"}"#,
        #"  {  "question" : "Can I bring my bike?" ,"top_k" : 3.0 }  "#,
        "{\n\t\"question\": \"Can I bring my bike?\"\r\n}",
        #"{"question":"caf\u00e9 \ud83d\ude00 \"quoted\" back\\slash \/"}"#,
        #"{"question":"  padded question\n  "}"#,
        #"{"question":""}"#,
        #"{"question":"Can I\u0000 bring my bike?"}"#,
        #"{"question":"Can I bring my bike?","metadata":{"a":[1,2.5,{"b":null}],"c":"d"},"x":true,"y":null}"#,
        #"{"question":"first","question":"second"}"#,
        #"{"question":"first","question":5}"#,
        #"{"question":"q","top_k":2.5}"#,
        #"{"question":"q","top_k":0}"#,
        #"{"question":"q","top_k":-0}"#,
        #"{"question":"q","top_k":21}"#,
        #"{"question":"q","top_k":1e1}"#,
        #"{"question":"q","top_k":1E0}"#,
        #"{"question":"q","top_k":-3}"#,
        #"{"question":"q","top_k":123456789012345678901234567890}"#,
        #"{"question":"q","namespace":"../etc"}"#,
        #"{"question":"q","namespace":""}"#,
        #"{"question":"q","callback_url":"ftp://example.com/hook"}"#,
        #"{"question":"q","callback_url":"http://127.0.0.1/hook"}"#,
        #"{"question":"q","callback_url":""}"#,
    ]

    /// Bodies the fast decode leaves to the `JSONValue` path: not objects, mistyped known members, or members
    /// that path cannot decode.
    static let slowBodies: [String] = [
        #"[1, 2]"#,
        #""Can I bring my bike?""#,
        "42",
        "null",
        "true",
        "{not json",
        #"{"question":"q"} trailing"#,
        #"{"question":42}"#,
        #"{"question":true}"#,
        #"{"question":["Can I bring my bike?"]}"#,
        #"{"question":{"text":"q"}}"#,
        #"{"question":5,"question":"second"}"#,
        #"{"question":"q","top_k":"3"}"#,
        #"{"question":"q","top_k":true}"#,
        #"{"question":"q","top_k":[3]}"#,
        #"{"question":"q","top_k":1e400}"#,
        #"{"question":"q","top_k":1e-400}"#,
        #"{"question":"q","namespace":7}"#,
        #"{"question":"q","namespace":["transport"]}"#,
        #"{"question":"q","callback_url":42}"#,
        #"{"question":"q","callback_url":{"url":"https://example.com/hook"}}"#,
        #"{"question":"q","stream":"yes"}"#,
        #"{"question":"q","stream":1}"#,
        #"{"question":"q","extra":1e400}"#,
        #"{"question":"q","extra":{"deep":[1,[2,{"deeper":-1e999}]]}}"#,
    ]

    /// Bodies whose fate either path may decide (the outcome must still be the same).
    static let otherBodies: [String] = [
        // A trailing comma: the decoder accepts it on both paths.
        #"{"question":"q",}"#,
        #"{"question":"\ud800"}"#,
        #"{"question":"q","extra":"\udc00"}"#,
        #"{"question":"q","extra":"\u12"}"#,
        #"{"question":"q","top_k":01}"#,
        #"{"question":"q","top_k":+1}"#,
        #"{"question":"q","top_k":NaN}"#,
        #"{"question":'q'}"#,
        "\u{FEFF}{\"question\":\"q\"}",
        "",
        " ",
    ]

    /// The outcome of `parse`, as text: the request's fields, or the error's status, code and message.
    static func outcome(_ body: Data, allowCallback: Bool, fastPath: Bool) -> String {
        do {
            let request = try QuestionRequest.parse(body, limits: limits, allowCallback: allowCallback, callbackPolicy: policy, fastPath: fastPath)
            return "accepted question=\(request.question.debugDescription) namespace=\(request.namespace.debugDescription) "
                + "top_k=\(request.topK) callback_url=\(request.callbackURL?.absoluteString ?? "nil") stream=\(request.stream)"
        } catch {
            return "refused \(error.status.code) \(error.code) extra=\(error.extra.count) \(error.message)"
        }
    }

    static func expectSameOutcome(_ body: Data) {
        for allowCallback in [true, false] {
            let fast = outcome(body, allowCallback: allowCallback, fastPath: true)
            let slow = outcome(body, allowCallback: allowCallback, fastPath: false)
            #expect(fast == slow, "allowCallback \(allowCallback): \(String(decoding: body, as: UTF8.self))")
        }
    }

    @Test(arguments: QuestionRequestFastPathTests.fastBodies)
    func theFastDecodeReadsWhatTheJSONValueDecodeReads(body: String) throws {
        let data = Data(body.utf8)
        let fast = try #require(QuestionRequest.fastFields(data))
        let slow = try QuestionRequest.slowFields(data)
        #expect(fast == slow)
        Self.expectSameOutcome(data)
    }

    @Test(arguments: QuestionRequestFastPathTests.slowBodies)
    func theFastDecodeLeavesTheRestToTheJSONValueDecode(body: String) {
        let data = Data(body.utf8)
        #expect(QuestionRequest.fastFields(data) == nil)
        Self.expectSameOutcome(data)
    }

    @Test(arguments: QuestionRequestFastPathTests.otherBodies)
    func eitherWayTheOutcomeIsTheSame(body: String) {
        let data = Data(body.utf8)
        if let fast = QuestionRequest.fastFields(data) {
            let slow = try? QuestionRequest.slowFields(data)
            #expect(fast == slow)
        }
        Self.expectSameOutcome(data)
    }

    /// Bytes that are not UTF-8, in a known member, another member, and a member name.
    @Test func invalidUTF8IsRefusedTheSameWay() {
        let bodies: [[UInt8]] = [
            Array(#"{"question":"q"#.utf8) + [0xFF] + Array(#""}"#.utf8),
            Array(#"{"question":"q","x":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
            Array(#"{""#.utf8) + [0xFE] + Array(#"":1,"question":"q"}"#.utf8),
        ]
        for bytes in bodies {
            let data = Data(bytes)
            if let fast = QuestionRequest.fastFields(data) {
                let slow = try? QuestionRequest.slowFields(data)
                #expect(fast == slow)
            }
            Self.expectSameOutcome(data)
        }
    }

    @Test func theFastDecodeGivesTheRequest() throws {
        let body = Data(#"{"question":" Can I bring my bike? ","namespace":"transport","top_k":3,"callback_url":"https://example.com/hook","note":"x"}"#.utf8)
        #expect(QuestionRequest.fastFields(body) != nil)
        let request = try QuestionRequest.parse(body, limits: Self.limits, allowCallback: true, callbackPolicy: Self.policy)
        #expect(request.question == "Can I bring my bike?")
        #expect(request.namespace == "transport")
        #expect(request.topK == 3)
        #expect(request.callbackURL?.absoluteString == "https://example.com/hook")
        #expect(request.stream == false)
    }
}
