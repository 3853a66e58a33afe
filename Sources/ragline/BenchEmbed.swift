import ArgumentParser
import Foundation
import MiniLM

extension Bench {
    /// `ragline bench embed`: MiniLM latency and throughput on the texts in benchmarks/embed-texts.json,
    /// printed as one JSON object so `scripts/bench-embed.sh` can set it beside the reference's numbers.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "MiniLM embedding latency and throughput (JSON).")

        @Option(help: "Threads per forward pass.") var threads = 1
        @Option(help: "Model folder.") var modelDir = "models/all-MiniLM-L6-v2"
        @Option(help: "Texts file.") var texts = "benchmarks/embed-texts.json"
        @Option(help: "Single-question calls measured.") var singles = 320
        @Option(help: "Rows from which OpenBLAS replaces the packed kernel (default: never with AVX2, else 96).") var blasThreshold: Int?

        struct Texts: Decodable {
            let questions: [String]
            let passages: [String]
        }

        func run() async throws {
            let input = try JSONDecoder().decode(Texts.self, from: Data(contentsOf: URL(fileURLWithPath: texts)))
            let loadStart = ContinuousClock.now
            let embedder = try MiniLMEmbedder(directory: modelDir, threads: threads, cacheSize: 0, blasThreshold: blasThreshold ?? BertEncoder.defaultBLASThreshold)
            let loadTime = ContinuousClock.now - loadStart
            let residentAfterLoad = residentMegabytes()

            for question in input.questions { _ = embedder.embedNow([question]) }
            var singleTimes: [Double] = []
            for index in 0..<singles {
                let start = ContinuousClock.now
                _ = embedder.embedNow([input.questions[index % input.questions.count]])
                singleTimes.append((ContinuousClock.now - start).milliseconds)
            }
            let tokenizeStart = ContinuousClock.now
            for _ in 0..<10 { for question in input.questions { _ = embedder.tokenizer.encode(question) } }
            let tokenizeMicroseconds = (ContinuousClock.now - tokenizeStart).milliseconds * 1000 / Double(10 * input.questions.count)

            func throughput(_ batch: [String], repeats: Int) -> Double {
                _ = embedder.embedNow(batch)
                let start = ContinuousClock.now
                for _ in 0..<repeats { _ = embedder.embedNow(batch) }
                return Double(batch.count * repeats) / ((ContinuousClock.now - start).milliseconds / 1000)
            }
            let questionsPerSecond = throughput(input.questions, repeats: 20)
            let passagesPerSecond = throughput(input.passages, repeats: 4)

            let sorted = singleTimes.sorted()
            let result: [String: Any] = [
                "implementation": "ragline", "threads": threads,
                "single_p50_ms": sorted[sorted.count / 2], "single_p99_ms": sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
                "questions_per_s": questionsPerSecond, "passages_per_s": passagesPerSecond,
                "load_s": loadTime.milliseconds / 1000, "rss_mb_after_load": residentAfterLoad, "tokenize_us": tokenizeMicroseconds,
                "kernel": (embedder.encoder.usesAVX2 ? "packed AVX2/FMA" : "portable") + (embedder.encoder.blasThreshold == .max ? "" : ", OpenBLAS from \(embedder.encoder.blasThreshold) rows"),
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        }

        private func residentMegabytes() -> Double {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
            else { return 0 }
            return kilobytes / 1024
        }
    }
}
