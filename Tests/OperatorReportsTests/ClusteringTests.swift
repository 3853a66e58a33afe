import Foundation
import OperatorReports
import RAGCore
import Testing

/// A unit vector at `degrees` in the plane.
func planar(_ degrees: Double) -> [Float] {
    let radians = degrees * .pi / 180
    return [Float(cos(radians)), Float(sin(radians))]
}

func cosineDistance(_ a: [Float], _ b: [Float]) -> Double {
    1 - Double(VectorMath.dot(a, b))
}

/// The textbook algorithm: merge the closest pair of groups while its linkage distance is within the
/// threshold. O(n³), for checking the nearest-neighbour chain on small inputs.
func greedyClusters(_ vectors: [[Float]], linkage: Linkage, threshold: Double) -> [[Int]] {
    var groups = vectors.indices.map { [$0] }
    func distance(_ a: [Int], _ b: [Int]) -> Double {
        let pairs = a.flatMap { i in b.map { j in cosineDistance(vectors[i], vectors[j]) } }
        switch linkage {
        case .average: return pairs.reduce(0, +) / Double(pairs.count)
        case .complete: return pairs.max() ?? 0
        }
    }
    while groups.count > 1 {
        var best: (Int, Int, Double)?
        for i in groups.indices {
            for j in groups.indices where j > i {
                let d = distance(groups[i], groups[j])
                if best == nil || d < best!.2 { best = (i, j, d) }
            }
        }
        guard let chosen = best, chosen.2 <= threshold else { break }
        let (i, j) = (chosen.0, chosen.1)
        groups[i] = (groups[i] + groups[j]).sorted()
        groups.remove(at: j)
    }
    return groups.sorted { $0[0] < $1[0] }
}

@Suite struct ClusteringTests {
    @Test func emptyAndSingleInputs() {
        let clustering = AgglomerativeClustering(distanceThreshold: 0.45)
        #expect(clustering.clusters(of: []) == [])
        #expect(clustering.clusters(of: [[1, 0]]) == [[0]])
    }

    @Test func paraphrasesGroupAndUnrelatedQuestionsStayApart() {
        // Three meanings, each asked a few ways (within 20 degrees), and two questions unlike anything.
        let vectors: [[Float]] = [
            [1, 0, 0, 0, 0], [0.95, 0.3, 0, 0, 0], [0, 0, 1, 0, 0],
            [0, 0, 0.97, 0.2, 0], [0.93, 0.1, 0, 0, 0.2], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0.9, 0.1, 0.1],
        ].map(VectorMath.normalized)
        for linkage in Linkage.allCases {
            let clusters = AgglomerativeClustering(linkage: linkage, distanceThreshold: 0.45).clusters(of: vectors)
            #expect(clusters == [[0, 1, 4], [2, 3, 7], [5], [6]], "\(linkage)")
        }
    }

    @Test func theThresholdIsTheLargestDistanceThatMerges() {
        // Cosine distance 1 - cos(60°) = 0.5 between the two.
        let vectors = [planar(0), planar(60)]
        #expect(AgglomerativeClustering(distanceThreshold: 0.5).clusters(of: vectors) == [[0, 1]])
        #expect(AgglomerativeClustering(distanceThreshold: 0.49).clusters(of: vectors) == [[0], [1]])
    }

    @Test func completeLinkageKeepsAChainApartThatAverageLinkageJoins() {
        // A, B, C at 0, 40 and 80 degrees: A-B and B-C 0.234 apart, A-C 0.826. Average linkage joins C to
        // {A, B} at (0.234 + 0.826) / 2 = 0.53; complete linkage only at 0.826.
        let vectors = [planar(0), planar(40), planar(80)]
        #expect(AgglomerativeClustering(linkage: .average, distanceThreshold: 0.6).clusters(of: vectors) == [[0, 1, 2]])
        #expect(AgglomerativeClustering(linkage: .complete, distanceThreshold: 0.6).clusters(of: vectors).count == 2)
    }

    @Test(arguments: Linkage.allCases)
    func nearestNeighbourChainAgreesWithTheTextbookAlgorithm(linkage: Linkage) {
        var random = SeededGenerator(seed: 42)
        for trial in 0..<60 {
            let count = Int.random(in: 2...24, using: &random)
            let dimensions = Int.random(in: 2...6, using: &random)
            let centres = (0..<Int.random(in: 1...5, using: &random)).map { _ in
                (0..<dimensions).map { _ in Float.random(in: -1...1, using: &random) }
            }
            let spread = Float.random(in: 0.05...0.8, using: &random)
            let vectors = (0..<count).map { _ in
                VectorMath.normalized(centres[Int.random(in: 0..<centres.count, using: &random)].map { $0 + Float.random(in: -spread...spread, using: &random) })
            }
            let threshold = Double.random(in: 0.05...1.2, using: &random)
            let fast = AgglomerativeClustering(linkage: linkage, distanceThreshold: threshold).clusters(of: vectors)
            #expect(fast == greedyClusters(vectors, linkage: linkage, threshold: threshold), "trial \(trial)")
        }
    }

    @Test func everyPointIsInExactlyOneGroup() {
        var random = SeededGenerator(seed: 7)
        let vectors = (0..<200).map { _ in VectorMath.normalized((0..<8).map { _ in Float.random(in: -1...1, using: &random) }) }
        let clusters = AgglomerativeClustering(distanceThreshold: 0.45).clusters(of: vectors)
        #expect(clusters.flatMap { $0 }.sorted() == Array(0..<200))
    }

    @Test func vectorsThatAreNotNumbersDoNotBreakIt() {
        let vectors: [[Float]] = [[.nan, .nan], [1, 0], [0.99, 0.1]]
        let clusters = AgglomerativeClustering(distanceThreshold: 0.45).clusters(of: vectors)
        #expect(clusters == [[0], [1, 2]])
    }
}
