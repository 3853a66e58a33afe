import Testing

@testable import RAGCore

/// The ASCII byte paths of `LexicalTerms` give exactly what the character paths give.
@Suite struct LexicalTermsTests {
    static let texts: [String] = [
        "How can I buy a train ticket?", "  Leading and trailing  ", "UPPER lower MiXeD 123 abc-def_ghi",
        "tabs\tand\nnew\r\nlines\u{0B}vt\u{0C}ff", "", " ", "\r\n", "a", "The end.", "x2y 42 4.5 1,000",
        "control\u{01}chars\u{7F}here", "what is your return policy?!", "e-mail: help@example.com",
        "Café crème, naïve façade", "İstanbul and ǅ", "emoji 🚆 train", "non\u{00A0}breaking space", "line\u{2028}separator",
    ]

    @Test func termsAreTheSameOnBothPaths() {
        for text in Self.texts {
            #expect(LexicalTerms.terms(text) == LexicalTerms.unicodeTerms(text), "\(text.debugDescription)")
        }
    }

    @Test func answerGroupKeysAreTheSameOnBothPaths() {
        for text in Self.texts {
            #expect(LexicalTerms.answerGroupKey(text) == LexicalTerms.unicodeAnswerGroupKey(text), "\(text.debugDescription)")
        }
    }

    @Test func randomASCIITextTakesTheBytePathAndAgrees() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...127, using: &generator) }
            var text = String(decoding: bytes, as: UTF8.self)
            #expect(text.withUTF8 { LexicalTerms.asciiTerms($0) } == LexicalTerms.unicodeTerms(text), "\(text.debugDescription)")
            #expect(text.withUTF8 { LexicalTerms.asciiAnswerGroupKey($0) } == LexicalTerms.unicodeAnswerGroupKey(text), "\(text.debugDescription)")
        }
    }

    @Test func textBeyondASCIITakesTheCharacterPath() {
        var text = "Café"
        #expect(text.withUTF8 { LexicalTerms.asciiTerms($0) } == nil)
        #expect(LexicalTerms.terms("Café crème") == ["café", "crème"])
    }
}
