import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAICompatible
import RaglineApp
import Synchronization

extension Bench {
    /// `ragline bench stream`: how soon a streamed `/v1/chat` shows something, against the whole answer,
    /// with an OpenAI-compatible model that writes at a person's reading pace (30 tokens/s by default).
    struct Stream: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time to references and first delta of a streamed /v1/chat against the whole answer, with a paced streaming model.")

        @Option(help: "Measured requests of each kind.") var requests = 20
        @Option(help: "Unmeasured requests first.") var warmup = 3
        @Option(help: "Tokens the model writes per second.") var tokensPerSecond = 30.0
        @Option(help: "Tokens in each answer.") var tokens = 60

        func run() async throws {
            Bench.quietLogging()
            let logger = Logger(label: "ragline.bench")
            let model = PacedChatModelServer(tokensPerSecond: tokensPerSecond, tokens: tokens)
            let modelBase = try await model.start()
            var configuration = Bench.demoConfiguration()
            defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
            configuration.providers.chatModel = "openai"
            configuration.llm.baseURL = modelBase
            configuration.llm.model = "bench/paced"
            configuration.llm.apiKey = "bench"
            configuration.llm.stream = true
            let (cluster, stack, base) = try await Bench.startDemoStack(configuration, logger: logger)

            let questions = [
                "How can I buy a ticket without using the station kiosk?", "What is your return policy?",
                "Do you accept my insurance provider?", "How long does delivery take?",
            ]
            var references: [Double] = [], firstDelta: [Double] = [], streamedAnswer: [Double] = [], wholeAnswer: [Double] = [], cachedAnswer: [Double] = []
            for number in 0..<(warmup + requests) {
                let question = questions[number % questions.count] + " (request \(number))"
                let streamed = try await timeStream(base + "/v1/chat", question: question)
                let whole = try await timeWhole(base + "/v1/chat", question: question + " again")
                // The same question once more, worded differently in case only: served from the answer cache.
                let cached = try await timeWhole(base + "/v1/chat", question: (question + " again").uppercased(), expectCached: true)
                guard number >= warmup else { continue }
                references.append(streamed.references)
                firstDelta.append(streamed.firstDelta)
                streamedAnswer.append(streamed.answer)
                wholeAnswer.append(whole)
                cachedAnswer.append(cached)
            }
            await stack.stop()
            await model.stop()
            withExtendedLifetime(cluster) {}

            print("| measurement (\(requests) requests each, model at \(Int(tokensPerSecond)) tokens/s, \(tokens) tokens per answer) | p50 ms | p99 ms |")
            print("| --- | --- | --- |")
            print(Bench.row("streamed POST /v1/chat: `references` event", references, digits: 1))
            print(Bench.row("streamed POST /v1/chat: first `delta` event", firstDelta, digits: 1))
            print(Bench.row("streamed POST /v1/chat: `answer` event", streamedAnswer, digits: 1))
            print(Bench.row("baseline: whole POST /v1/chat, same model, same run", wholeAnswer, digits: 1))
            print(Bench.row("whole POST /v1/chat, the same question again (answer cache hit)", cachedAnswer, digits: 1))
        }

        struct StreamTimes {
            var references = Double.nan, firstDelta = Double.nan, answer = Double.nan
        }

        /// Client-side milliseconds from sending the request to each kind of event's arrival.
        func timeStream(_ url: String, question: String) async throws -> StreamTimes {
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(Bench.chatRequest(url, question: question, stream: true), timeout: .seconds(60))
            guard response.status.code == 200 else { throw ValidationError("streamed chat: HTTP \(response.status.code)") }
            var parser = ServerSentEventParser()
            var times = StreamTimes()
            for try await buffer in response.body {
                for event in parser.feed(buffer.readableBytesView) {
                    let elapsed = (ContinuousClock.now - start).milliseconds
                    switch event.name {
                    case "references" where times.references.isNaN: times.references = elapsed
                    case "delta" where times.firstDelta.isNaN: times.firstDelta = elapsed
                    case "answer":
                        times.answer = elapsed
                        guard event.data.contains("\"status\":\"answered\"") else { throw ValidationError("the benchmark question was not answered: \(event.data.prefix(300))") }
                    case "error": throw ValidationError("stream error: \(event.data)")
                    default: break
                    }
                }
            }
            return times
        }

        func timeWhole(_ url: String, question: String, expectCached: Bool = false) async throws -> Double {
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(Bench.chatRequest(url, question: question, stream: false), timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            let elapsed = (ContinuousClock.now - start).milliseconds
            guard response.status.code == 200 else { throw ValidationError("chat: HTTP \(response.status.code): \(String(buffer: body))") }
            let cached = String(buffer: body).contains("\"cached\":true")
            guard cached == expectCached else { throw ValidationError("expected cached \(expectCached): \(String(buffer: body).prefix(300))") }
            return elapsed
        }
    }

    static func chatRequest(_ url: String, question: String, stream: Bool) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["question": question, "stream": stream])))
        return request
    }
}

/// An OpenAI-compatible chat server that writes `tokens` tokens at `tokensPerSecond`, streamed or whole
/// (a whole answer takes as long as the stream would): the pace of a hosted model, without one.
final class PacedChatModelServer: Sendable {
    let tokensPerSecond: Double
    let tokens: Int
    private let running = Mutex<(task: Task<Void, any Error>?, port: Int?)>((nil, nil))

    init(tokensPerSecond: Double, tokens: Int) {
        self.tokensPerSecond = tokensPerSecond
        self.tokens = tokens
    }

    /// Starts serving on a free local port; returns the base URL (`.../v1`).
    func start() async throws -> String {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in try await self.complete(request) }
        // Stopped by cancellation, which Hummingbird reports as errors: the benchmark's output is its table.
        var logger = Logger(label: "paced-model")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            self.running.withLock { $0.port = channel.localAddress?.port }
        }, logger: logger)
        running.withLock { $0.task = Task { try await app.runService() } }
        while running.withLock({ $0.port }) == nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        return "http://127.0.0.1:\(running.withLock { $0.port! })/v1"
    }

    func stop() async {
        let task = running.withLock { $0.task }
        task?.cancel()
        _ = try? await task?.value
    }

    private var interval: Duration { .nanoseconds(Int64(1e9 / tokensPerSecond)) }

    private func complete(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        let words = (0..<tokens).map { $0 == 0 ? "Answer" : " word\($0)" }
        guard json["stream"] as? Bool == true else {
            try await Task.sleep(for: interval * tokens)
            let object: [String: Any] = [
                "id": "paced", "object": "chat.completion", "model": json["model"] ?? "paced",
                "choices": [["index": 0, "message": ["role": "assistant", "content": words.joined()], "finish_reason": "stop"]],
            ]
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))))
        }
        let pace = interval
        let stream = ResponseBody { writer in
            for word in words {
                try await Task.sleep(for: pace)
                let chunk: [String: Any] = ["object": "chat.completion.chunk", "choices": [["index": 0, "delta": ["content": word], "finish_reason": NSNull()]]]
                try await writer.write(ByteBuffer(string: "data: " + String(decoding: try JSONSerialization.data(withJSONObject: chunk), as: UTF8.self) + "\n\n"))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: stream)
    }
}
