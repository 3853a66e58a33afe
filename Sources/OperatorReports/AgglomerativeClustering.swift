/// How the distance between two groups is measured when they may merge.
public enum Linkage: String, Sendable, Hashable, CaseIterable, Codable {
    /// The mean distance between their members (UPGMA): a group stays about one meaning.
    case average
    /// The largest distance between their members: every pair within the cut.
    case complete
}

/// Hierarchical agglomerative clustering of unit vectors by cosine distance (1 - cosine), cut at a
/// distance threshold: groups merge while their linkage distance is at most `distanceThreshold`.
///
/// It runs the nearest-neighbour-chain algorithm over a full distance matrix: O(n²) time and n² floats of
/// memory. Average and complete linkage are reducible, so the merges it finds are those of the classic
/// closest-pair-first algorithm, and the groups under the cut are the points joined by merges at or under
/// the threshold (a merge's children always merged lower).
public struct AgglomerativeClustering: Sendable, Hashable {
    public var linkage: Linkage
    public var distanceThreshold: Double

    public init(linkage: Linkage = .average, distanceThreshold: Double) {
        self.linkage = linkage
        self.distanceThreshold = distanceThreshold
    }

    /// The groups of `vectors` (indices into it): members in ascending order, groups ordered by their first
    /// member. Vectors should be L2-normalised; all must have the same length.
    public func clusters(of vectors: [[Float]]) -> [[Int]] {
        let n = vectors.count
        guard n > 1 else { return n == 1 ? [[0]] : [] }
        var distances = Self.distanceMatrix(vectors)
        var active = [Bool](repeating: true, count: n)
        var size = [Int](repeating: 1, count: n)
        var merges: [(a: Int, b: Int, distance: Float)] = []
        merges.reserveCapacity(n - 1)
        var chain: [Int] = []
        var remaining = n
        var nextStart = 0

        while remaining > 1 {
            if chain.isEmpty {
                while !active[nextStart] { nextStart += 1 }
                chain.append(nextStart)
            }
            let top = chain[chain.count - 1]
            let previous = chain.count >= 2 ? chain[chain.count - 2] : -1
            // The nearest active neighbour of `top`; on a tie the previous link of the chain, so that the
            // chain always ends in a pair of reciprocal nearest neighbours.
            var nearest = -1
            var nearestDistance = Float.infinity
            let row = top * n
            for other in 0..<n where active[other] && other != top {
                let distance = distances[row + other]
                if distance < nearestDistance || (distance == nearestDistance && other == previous) || nearest < 0 {
                    nearest = other
                    nearestDistance = distance
                }
            }
            guard nearest != previous else {
                chain.removeLast(2)
                // Merge `top` into `previous`: the merged group lives on at index `previous`.
                merges.append((top, previous, nearestDistance))
                let (sizeA, sizeB) = (Float(size[previous]), Float(size[top]))
                for other in 0..<n where active[other] && other != top && other != previous {
                    let toA = distances[previous * n + other]
                    let toB = distances[top * n + other]
                    let merged: Float
                    switch linkage {
                    case .average: merged = (sizeA * toA + sizeB * toB) / (sizeA + sizeB)
                    case .complete: merged = max(toA, toB)
                    }
                    distances[previous * n + other] = merged
                    distances[other * n + previous] = merged
                }
                size[previous] += size[top]
                active[top] = false
                remaining -= 1
                continue
            }
            chain.append(nearest)
        }

        // Join the points of every merge at or under the threshold.
        var parent = Array(0..<n)
        func root(_ point: Int) -> Int {
            var point = point
            while parent[point] != point {
                parent[point] = parent[parent[point]]
                point = parent[point]
            }
            return point
        }
        let threshold = Float(distanceThreshold)
        for merge in merges where merge.distance <= threshold {
            let (rootA, rootB) = (root(merge.a), root(merge.b))
            if rootA != rootB { parent[max(rootA, rootB)] = min(rootA, rootB) }
        }
        var groups: [Int: [Int]] = [:]
        for point in 0..<n { groups[root(point), default: []].append(point) }
        return groups.values.sorted { $0[0] < $1[0] }
    }

    /// 1 - cosine between every pair, row by row; a distance that is not a number (a vector of NaNs)
    /// counts as the largest, 2.
    static func distanceMatrix(_ vectors: [[Float]]) -> [Float] {
        let n = vectors.count
        var distances = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                var dot: Float = 0
                let (a, b) = (vectors[i], vectors[j])
                for index in 0..<min(a.count, b.count) { dot += a[index] * b[index] }
                var distance = 1 - dot
                if !distance.isFinite { distance = 2 }
                distance = min(2, max(0, distance))
                distances[i * n + j] = distance
                distances[j * n + i] = distance
            }
        }
        return distances
    }
}
