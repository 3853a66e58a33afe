import Foundation
import Synchronization
import Testing

@testable import MiniLM

@Suite struct WorkerPoolTests {
    @Test(arguments: [2, 3, 4])
    func everyPartOfEveryStepRunsExactlyOnce(threads: Int) throws {
        let pool = try WorkerPool(threads: threads)
        let counts = Mutex([Int](repeating: 0, count: threads))
        // Many short steps with every part count, as a forward pass issues them; the gaps let idle workers
        // both spin and, now and then, fall asleep and be woken.
        for step in 0..<3000 {
            let parts = 1 + step % threads
            let seen = Mutex(Set<Int>())
            pool.run(parts: parts) { part in
                seen.withLock { _ = $0.insert(part) }
                counts.withLock { $0[part] += 1 }
            }
            #expect(seen.withLock { $0 } == Set(0..<parts), "step \(step)")
            if step % 1000 == 999 { usleep(2000) }
        }
        let expected = (0..<threads).map { part in (0..<3000).filter { 1 + $0 % threads > part }.count }
        #expect(counts.withLock { $0 } == expected)
    }

    @Test func aStepThatFindsThePoolBusyRunsInlineAndStillCompletes() async throws {
        let pool = try WorkerPool(threads: 2)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        pool.run(parts: 2) { _ in total.value.add(1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 500 * 2)
    }

    @Test func anEncoderWithThreeThreadsMatchesOneThread() throws {
        let one = try MiniLMEmbedder(directory: ReferenceTests.modelDirectory, threads: 1)
        let three = try MiniLMEmbedder(directory: ReferenceTests.modelDirectory, threads: 3)
        let texts = ReferenceTests.references.prefix(8).map(\.text) + ["a short question"]
        for text in texts {
            let a = one.embedNow([text])[0]
            let b = three.embedNow([text])[0]
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }, "\(text.prefix(40).debugDescription)")
        }
    }
}

private final class Counter: Sendable {
    let value = Atomic(0)
}
