import Foundation

/// The one place that decides what a question gets (DESIGN 11): it groups the retrieved vectors into
/// answers, fuses dense, lexical and classifier evidence into one score per answer to rank them, and
/// decides `answered`, `clarify` or `no_match`: the best answer's confidence (its best cosine) against the
/// namespace's threshold, then the fused scores of the two best answers against the clarify margin.
public struct AnswerSelector: Sendable {
    public var scoring: AnswerScoring

    public init(scoring: AnswerScoring = .default) {
        self.scoring = scoring
    }

    /// Decides for `question` from the index's `candidates` (cosine scores), with each namespace's model
    /// when there is one. `topK` bounds the answers kept for grounding and "did you mean".
    public func select(question: String, vector: [Float], candidates: [RetrievedMatch], models: [String: KnowledgeModel], topK: Int) -> AnswerSelection {
        let ranked = rank(question: question, vector: vector, candidates: candidates, models: models)
        let kept = Array(ranked.prefix(max(1, topK)))
        guard let best = kept.first else {
            let (threshold, source) = threshold(for: nil, models: models)
            return AnswerSelection(decision: .noMatch, reason: "the index returned no candidates", threshold: threshold, thresholdSource: source, answers: [])
        }
        let (threshold, source) = threshold(for: best.namespace, models: models)
        let confidence = "confidence \(Self.format(best.dense))"
        if best.dense < threshold {
            return AnswerSelection(
                decision: .noMatch, reason: "\(confidence) under the \(source) threshold \(Self.format(threshold))",
                threshold: threshold, thresholdSource: source, answers: kept
            )
        }
        if kept.count > 1, best.score - kept[1].score < scoring.clarifyMargin {
            return AnswerSelection(
                decision: .clarify,
                reason: "scores \(Self.format(best.score)) and \(Self.format(kept[1].score)) closer than the clarify margin \(Self.format(scoring.clarifyMargin))",
                threshold: threshold, thresholdSource: source, answers: kept
            )
        }
        return AnswerSelection(
            decision: .answered, reason: "\(confidence) at or over the \(source) threshold \(Self.format(threshold)); score \(Self.format(best.score))",
            threshold: threshold, thresholdSource: source, answers: kept
        )
    }

    func threshold(for namespace: String?, models: [String: KnowledgeModel]) -> (Double, String) {
        if let override = scoring.noMatchThreshold { return (override, "override") }
        if let namespace, let calibrated = models[namespace]?.calibratedThreshold { return (calibrated, "calibrated") }
        return (scoring.fallbackThreshold, "fallback")
    }

    /// Every candidate answer group with its fused score, best first:
    /// `T·log[(1/n)·Σ exp((cos − (a/2)·h + w_b·bm25n) / T)] + w_l·log p(group)`, the sum over the group's
    /// vectors among the candidates (the others count as contributing nothing), n the group's size.
    public func rank(question: String, vector: [Float], candidates: [RetrievedMatch], models: [String: KnowledgeModel]) -> [ScoredAnswer] {
        guard !candidates.isEmpty else { return [] }
        let queryTerms = LexicalTerms.terms(question)
        let query = VectorMath.normalized(vector)

        // BM25 of each candidate under its namespace's statistics, normalised by the best candidate's.
        let lexical = candidates.map { candidate -> Double in
            guard let statistics = models[candidate.namespace]?.lexical else { return 0 }
            let text = candidate.matchedQuestion ?? candidate.question
            return statistics.bm25(query: queryTerms, document: LexicalTerms.terms(candidate.context.isEmpty ? text : text + " " + candidate.context))
        }
        let bestLexical = lexical.max() ?? 0

        struct Group {
            var namespace: String
            var key: String
            var members: [(match: RetrievedMatch, adjusted: Double, lexical: Double)] = []
        }
        // Groups in the order of their best candidate; each candidate's key is hashed once.
        var groups: [Group] = []
        var groupOfID: [String: Int] = [:]
        for (position, candidate) in candidates.enumerated() {
            let key = LexicalTerms.answerGroupKey(candidate.answer)
            let id = candidate.namespace + "\u{1F}" + key
            let hubness = Double(models[candidate.namespace]?.hubness[candidate.vectorID ?? candidate.id] ?? 0)
            let normalisedLexical = bestLexical > 0 ? lexical[position] / bestLexical : 0
            let adjusted = candidate.score - scoring.hubnessWeight / 2 * hubness + scoring.lexicalWeight * normalisedLexical
            let index: Int
            if let known = groupOfID[id] {
                index = known
            } else {
                index = groups.count
                groupOfID[id] = index
                groups.append(Group(namespace: candidate.namespace, key: key))
            }
            groups[index].members.append((candidate, adjusted, normalisedLexical))
        }

        // The classifier's term counts only when it can speak for every candidate: one namespace (softmaxes of
        // different namespaces do not compare), and every candidate group known to it (an answer added since
        // the last fit, or a namespace without a classifier, would otherwise win by default).
        var logProbabilities: [Double?] = Array(repeating: nil, count: groups.count)
        let namespace = candidates[0].namespace
        if candidates.allSatisfy({ $0.namespace == namespace }), let classifier = models[namespace]?.classifier {
            let values = classifier.logProbabilities(query)
            if values.count == classifier.groups.count {
                let positions = groups.map { classifier.position(of: $0.key) }
                if positions.allSatisfy({ $0 != nil }) { logProbabilities = positions.map { values[$0!] } }
            }
        }

        let temperature = scoring.temperature
        var scored: [ScoredAnswer] = []
        for (index, group) in groups.enumerated() {
            let size = max(models[group.namespace]?.groupSizes[group.key] ?? 0, group.members.count)
            let top = group.members.map(\.adjusted).max()!
            let sum = group.members.reduce(0.0) { $0 + exp(($1.adjusted - top) / temperature) }
            var score = top + temperature * log(sum / Double(size))
            var probability: Double?
            if let logP = logProbabilities[index] {
                score += scoring.classifierWeight * logP
                probability = exp(logP)
            }
            // Each entry once (alternates share their entry's id), best vector first.
            var seen: Set<String> = []
            let entries = group.members.sorted { $0.adjusted > $1.adjusted }.map(\.match).filter { seen.insert($0.id).inserted }
            scored.append(ScoredAnswer(
                namespace: group.namespace, groupKey: group.key, score: score, dense: group.members.map(\.match.score).max()!,
                lexical: group.members.map(\.lexical).max()!, classifier: probability, entries: entries
            ))
        }
        return scored.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.namespace, $0.groupKey) < ($1.namespace, $1.groupKey) }
    }

    static func format(_ value: Double) -> String {
        String(format: "%.3f", value)
    }
}
