/// How texts become terms for lexical scoring (BM25) and answers become answer-group keys. One place, so
/// that ingestion's statistics and a query's terms always agree.
public enum LexicalTerms {
    /// Words too common to tell entries apart; dropping them keeps BM25 on the words that matter.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in",
        "is", "it", "me", "my", "of", "on", "or", "the", "to", "was", "what", "when", "where", "which", "who", "why",
        "will", "with", "you", "your", "we", "our", "this", "that", "there", "have", "has", "get", "am",
    ]

    /// Lower-cased letter-and-digit runs, stop words removed.
    public static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                if !stopWords.contains(current) { terms.append(current) }
                current = ""
            }
        }
        if !current.isEmpty, !stopWords.contains(current) { terms.append(current) }
        return terms
    }

    /// The key of an answer group: the answer with case folded and whitespace runs collapsed, so that
    /// entries whose approved answers read the same form one group.
    public static func answerGroupKey(_ answer: String) -> String {
        answer.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
