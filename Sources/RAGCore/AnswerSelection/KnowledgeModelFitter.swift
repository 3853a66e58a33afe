import Foundation

/// One vector of a namespace, as ingestion fits the knowledge model from it.
public struct KnowledgeVector: Sendable, Hashable {
    public var vectorID: String
    public var entryID: String
    /// The question this vector embeds: the entry's question or one of its alternates.
    public var question: String
    public var answer: String
    public var context: String
    public var vector: [Float]

    public init(vectorID: String, entryID: String, question: String, answer: String, context: String, vector: [Float]) {
        self.vectorID = vectorID
        self.entryID = entryID
        self.question = question
        self.answer = answer
        self.context = context
        self.vector = vector
    }

    /// What BM25 reads of the vector: its question and the entry's context.
    var lexicalTerms: [String] { LexicalTerms.terms(context.isEmpty ? question : question + " " + context) }
}

/// Fits a namespace's `KnowledgeModel` from all of its vectors: answer groups, term statistics, hubness,
/// the answer classifier and the calibrated threshold. Pure computation; ingestion runs it after a file
/// changes the namespace, so a deleted entry leaves every part of the model too.
public struct KnowledgeModelFitter: Sendable {
    public var scoring: AnswerScoring
    /// Exact hubness and leave-one-out calibration cost vectors² in time (linear memory); past this many
    /// vectors they are skipped.
    public var maxPairwiseVectors = 20_000
    /// Fitting the classifier costs epochs x vectors x groups x dimensions; past this budget it is skipped.
    public var maxClassifierWork = 60_000_000_000.0

    public init(scoring: AnswerScoring = .default) {
        self.scoring = scoring
    }

    public func fit(namespace: String, embeddingModel: String, vectors: [KnowledgeVector], now: Date = Date()) -> KnowledgeModel {
        // Vectors of another length (written by an earlier embedder and not re-ingested yet) cannot be compared
        // with the rest; the model is fitted on the most common length, as the index's queries only match it.
        let lengths = Dictionary(grouping: vectors, by: \.vector.count)
        let dimensions = lengths.max { $0.value.count != $1.value.count ? $0.value.count < $1.value.count : $0.key > $1.key }?.key ?? 0
        let vectors = (lengths[dimensions] ?? []).map { vector in
            var copy = vector
            copy.vector = VectorMath.normalized(vector.vector)
            return copy
        }
        // Each vector's answer group, computed once for the sizes, the neighbourhoods and the classifier.
        let groups = vectors.map { LexicalTerms.answerGroupKey($0.answer) }
        var groupSizes: [String: Int] = [:]
        for group in groups { groupSizes[group, default: 0] += 1 }

        var documentFrequency: [String: Int] = [:]
        var totalLength = 0
        for vector in vectors {
            let terms = vector.lexicalTerms
            totalLength += terms.count
            for term in Set(terms) { documentFrequency[term, default: 0] += 1 }
        }
        let lexical = LexicalStatistics(
            documentCount: vectors.count, averageLength: vectors.isEmpty ? 0 : Double(totalLength) / Double(vectors.count),
            documentFrequency: documentFrequency
        )

        var hubness: [String: Float] = [:]
        var calibratedThreshold: Double?
        if vectors.count >= 2, vectors.count <= maxPairwiseVectors {
            let neighbourhoods = Self.neighbourhoods(vectors, groups: groups, neighbours: scoring.hubnessNeighbours)
            for (vector, neighbourhood) in zip(vectors, neighbourhoods) { hubness[vector.vectorID] = neighbourhood.hubness }
            calibratedThreshold = calibrate(neighbourhoods.compactMap(\.bestSibling))
        }
        return KnowledgeModel(
            namespace: namespace, embeddingModel: embeddingModel, builtAt: now, groupSizes: groupSizes, lexical: lexical,
            hubness: hubness, classifier: fitClassifier(vectors, groups: groups), calibratedThreshold: calibratedThreshold
        )
    }

    /// What fitting needs to know of each vector's neighbours.
    struct Neighbourhood {
        /// Mean cosine to the nearest vectors of other entries (an entry's own alternates do not count).
        var hubness: Float
        /// Best cosine to another vector of the same answer group; nil when the group has no other vector.
        var bestSibling: Float?
    }

    /// One row of cosines at a time, so memory stays linear in the number of vectors.
    static func neighbourhoods(_ vectors: [KnowledgeVector], groups: [String], neighbours: Int) -> [Neighbourhood] {
        return vectors.indices.map { i in
            var bestSibling: Float?
            // The `neighbours` largest cosines so far, smallest first, so the next one replaces `nearest[0]`.
            var nearest: [Float] = []
            for j in vectors.indices where j != i {
                let cosine = VectorMath.dot(vectors[i].vector, vectors[j].vector)
                if groups[j] == groups[i] { bestSibling = max(bestSibling ?? -1, cosine) }
                guard vectors[j].entryID != vectors[i].entryID else { continue }
                if nearest.count < neighbours {
                    nearest.insert(cosine, at: nearest.firstIndex { $0 > cosine } ?? nearest.count)
                } else if let smallest = nearest.first, cosine > smallest {
                    nearest.removeFirst()
                    nearest.insert(cosine, at: nearest.firstIndex { $0 > cosine } ?? nearest.count)
                }
            }
            return Neighbourhood(hubness: nearest.isEmpty ? 0 : nearest.reduce(0, +) / Float(nearest.count), bestSibling: bestSibling)
        }
    }

    /// Each vector that has a sibling in its group is asked as a question against the rest of the
    /// knowledge: the confidence its own group then gets (its best cosine to a sibling) is what a
    /// paraphrase of known knowledge scores. A low quantile of those is the threshold; out-of-scope
    /// examples are not needed.
    func calibrate(_ siblingConfidences: [Float]) -> Double? {
        guard !siblingConfidences.isEmpty else { return nil }
        let sorted = siblingConfidences.sorted()
        let position = Int((Double(sorted.count - 1) * scoring.calibrationQuantile).rounded(.down))
        return Double(sorted[position])
    }

    /// Multinomial logistic regression over answer groups, full-batch gradient descent with momentum.
    /// `vectors` all have one length (`fit` keeps only those); `groups` is each vector's answer group.
    func fitClassifier(_ vectors: [KnowledgeVector], groups: [String]) -> AnswerClassifier? {
        let classNames = Array(Set(groups)).sorted()
        guard classNames.count >= 2, let dimensions = vectors.first?.vector.count, dimensions > 0 else { return nil }
        let work = Double(scoring.classifierEpochs) * Double(vectors.count) * Double(classNames.count) * Double(dimensions)
        guard work <= maxClassifierWork else { return nil }
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let labels = groups.map { index[$0]! }
        let classes = classNames.count
        var weights = [Float](repeating: 0, count: classes * dimensions)
        var bias = [Float](repeating: 0, count: classes)
        var weightVelocity = weights, biasVelocity = bias
        var gradient = weights, biasGradient = bias
        var probabilities = [Float](repeating: 0, count: classes)
        let rate: Float = 2.0, momentum: Float = 0.9, penalty = Float(scoring.classifierPenalty)
        let scale = 1 / Float(vectors.count)
        for _ in 0..<scoring.classifierEpochs {
            for i in gradient.indices { gradient[i] = penalty * weights[i] }
            for i in biasGradient.indices { biasGradient[i] = 0 }
            for (sample, vector) in vectors.enumerated() {
                vector.vector.withUnsafeBufferPointer { x in
                    var top = -Float.infinity
                    for c in 0..<classes {
                        var sum = bias[c]
                        let row = c * dimensions
                        for d in 0..<dimensions { sum += weights[row + d] * x[d] }
                        probabilities[c] = sum
                        top = max(top, sum)
                    }
                    var total: Float = 0
                    for c in 0..<classes { probabilities[c] = exp(probabilities[c] - top); total += probabilities[c] }
                    for c in 0..<classes {
                        let error = (probabilities[c] / total - (c == labels[sample] ? 1 : 0)) * scale
                        guard abs(error) > 1e-7 else { continue }
                        biasGradient[c] += error
                        let row = c * dimensions
                        for d in 0..<dimensions { gradient[row + d] += error * x[d] }
                    }
                }
            }
            for i in weights.indices {
                weightVelocity[i] = momentum * weightVelocity[i] - rate * gradient[i]
                weights[i] += weightVelocity[i]
            }
            for c in 0..<classes {
                biasVelocity[c] = momentum * biasVelocity[c] - rate * biasGradient[c]
                bias[c] += biasVelocity[c]
            }
        }
        return AnswerClassifier(groups: classNames, dimensions: dimensions, weights: weights, bias: bias)
    }
}
