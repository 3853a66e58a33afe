import Foundation
import IngestWorker
import LocalProviders
import RAGCore
import RaglineTestSupport
import Testing

/// `ragline export`: the index written back out as knowledge files, which re-ingest to the same entries.
@Suite struct KnowledgeExportRoundTripTests {
    static let transport = [
        #"{"id":"bike","question":"Can I bring my bicycle on the train?","answer":"Folding bicycles travel free; full-size bicycles need a bike reservation.","context":"Bicycles on trains and bike reservations.","alternate_questions":["Are bikes allowed on board?","Cycle on the train"],"tags":["bikes","onboard"],"priority":2,"review":{"by":"ops","approved":true},"updated":null}"#,
        #"{"id":"ticket","question":"How can I buy a train ticket?","answer":"Online, at station kiosks, or in our app."}"#,
        "",
        "not json",
    ]
    static let billing = [
        #"{"id":"refund","question":"How do refunds work?","answer":"Refunds reach your card within 14 days.","context":"Refund policy.","alternate_questions":["How do I get my money back?","Can I get a refund?","How do refunds work?"],"url":"https://example.com/help/refunds","weight":0.75}"#,
        #"{"id":"card","question":"Why was my card declined?","answer":"Your bank refused the payment: check the card's \"online payments\" setting,\nor try another card."}"#,
        #"{"id":"ticket-refund","question":"Can I return an unused ticket?","answer":"Unused tickets are refunded minus a 10% fee.","namespace":"transport"}"#,
    ]
    static let keys = ["knowledge/transport/transport.jsonl", "knowledge/billing/faq.jsonl"]

    let parser = KnowledgeLineParser()

    /// Every record of a JSONL text; a line that does not parse fails the test.
    func records(_ text: String) throws -> [KnowledgeRecord] {
        var records: [KnowledgeRecord] = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let result = parser.parse(line, number: offset + 1) else { continue }
            records.append(try result.get())
        }
        return records
    }

    /// Ingests `keys` from `store` into `index`.
    func ingest(_ keys: [String], from store: any ObjectStore, into index: LocalVectorIndex, batchSize: Int = 4) async throws -> [IngestReport] {
        let ingestor = KnowledgeIngestor(store: store, embedder: LexicalEmbedder(), index: index, batchSize: batchSize)
        var reports: [IngestReport] = []
        for key in keys {
            reports.append(try await ingestor.ingest(KnowledgeSource(bucket: "local", key: key)) { _, _ in })
        }
        return reports
    }

    @Test func exportedFilesReingestToTheSameEntriesAndTheSameAnswers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fileManager = FileManager.default
        for (key, lines) in zip(Self.keys, [Self.transport, Self.billing]) {
            let path = directory.appending("kb/" + key.dropFirst("knowledge/".count))
            try fileManager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let original = try LocalVectorIndex(directory: directory.appending("index"))
        let first = try await ingest(Self.keys, from: FolderObjectStore(root: directory.appending("kb")), into: original)
        #expect(first.map(\.accepted) == [2, 3])
        #expect(first[0].rejected.map(\.line) == [4])
        #expect(try await original.counts() == ["transport": 5, "billing": 4], "bike and refund have two alternates each")

        // Export: one file per source key, every line a valid knowledge line.
        let files = KnowledgeExport.files(from: try await KnowledgeExport.entries(of: original))
        #expect(files.map(\.source) == Self.keys.sorted())
        #expect(files.map(\.relativePath) == Self.keys.sorted())
        #expect(files.map(\.vectorCount) == [5, 4])
        for file in files {
            let exported = try records(file.contents)
            let uploaded = try String(contentsOfFile: directory.appending("kb/" + file.source.dropFirst("knowledge/".count)), encoding: .utf8)
            // The records as uploaded, the namespace their key implied made explicit.
            let expected = try records(uploaded.split(separator: "\n").filter { $0 != "not json" }.joined(separator: "\n")).map { record -> KnowledgeRecord in
                var record = record
                record.namespace = record.namespace ?? KnowledgeSource(bucket: "local", key: file.source).namespace
                return record
            }
            #expect(exported.count == expected.count)
            #expect(Set(exported) == Set(expected), "\(file.source): every field written back")
        }
        let bike = try #require(files.flatMap(\.records).first { $0.id == "bike" })
        #expect(bike.alternateQuestions == ["Are bikes allowed on board?", "Cycle on the train"])
        #expect(bike.context == "Bicycles on trains and bike reservations.")
        #expect(bike.extra["review"] == .object(["by": .string("ops"), "approved": .bool(true)]) && bike.extra["updated"] == .null)

        // Written out as the command does (<output>/<key>), then re-ingested under the same keys into an empty index.
        let output = directory.appending("export")
        for file in files {
            let path = (output as NSString).appendingPathComponent(file.relativePath)
            try fileManager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let reingested = try LocalVectorIndex(directory: directory.appending("index-again"))
        let again = try await ingest(files.map(\.source), from: FolderObjectStore(root: (output as NSString).appendingPathComponent("knowledge")), into: reingested, batchSize: 3)
        #expect(again.allSatisfy { $0.rejected.isEmpty })
        let namespaces = try await original.namespaces()
        #expect(try await reingested.namespaces() == namespaces)
        for namespace in namespaces {
            let before = try await original.entries(in: namespace)
            let after = try await reingested.entries(in: namespace)
            #expect(after == before, "\(namespace): the same vectors, questions, answers, contexts, sources and metadata")
        }

        // The same questions get the same answers: candidates from the index, then answer selection with each
        // namespace's knowledge model, as the retriever does.
        let embedder = LexicalEmbedder()
        let selector = AnswerSelector()
        let fitter = KnowledgeModelFitter()
        let builtAt = Date(timeIntervalSince1970: 1_800_000_000)
        func models(_ index: LocalVectorIndex) async throws -> [String: KnowledgeModel] {
            var models: [String: KnowledgeModel] = [:]
            for namespace in try await index.namespaces() {
                let vectors = try await index.vectors(in: namespace)
                models[namespace] = fitter.fit(namespace: namespace, embeddingModel: embedder.modelID, vectors: vectors, now: builtAt)
            }
            return models
        }
        let modelsBefore = try await models(original)
        let modelsAfter = try await models(reingested)
        let questions = [
            "Are bikes allowed on board?", "How do I get my money back?", "Where can I buy a ticket?", "Why was my card declined?",
            "Can I return my ticket?", "What is the capital of Peru?",
        ]
        for question in questions {
            let vector = try await embedder.embed([question], kind: .query)[0]
            let scopes: [String?] = [nil] + namespaces.map { Optional($0) }
            for namespace in scopes {
                let candidatesBefore = try await original.query(vector: vector, topK: selector.scoring.candidates, namespace: namespace)
                let candidatesAfter = try await reingested.query(vector: vector, topK: selector.scoring.candidates, namespace: namespace)
                #expect(candidatesAfter == candidatesBefore, "\(question) in \(namespace ?? "every namespace")")
                let before = selector.select(question: question, vector: vector, candidates: candidatesBefore, models: modelsBefore, topK: 3)
                let after = selector.select(question: question, vector: vector, candidates: candidatesAfter, models: modelsAfter, topK: 3)
                #expect(after.decision == before.decision, "\(question)")
                #expect(after.answers.map { $0.entries.map(\.id) } == before.answers.map { $0.entries.map(\.id) }, "\(question)")
                #expect(after.answers.first?.entries.first?.answer == before.answers.first?.entries.first?.answer, "\(question)")
                #expect(zip(after.answers, before.answers).allSatisfy { abs($0.score - $1.score) < 1e-9 }, "\(question)")
            }
        }
        let bikeVector = try await embedder.embed(["Are bikes allowed on board?"], kind: .query)[0]
        #expect(try await reingested.query(vector: bikeVector, topK: 1, namespace: nil).first?.id == "bike")

        // Ingested the way `ragline ingest <folder>` does, the key's namespace coming from the file name
        // (knowledge/faq/faq.jsonl), each line still lands in its own namespace.
        var byName: [String: URL] = [:]
        for file in files {
            let url = URL(fileURLWithPath: (output as NSString).appendingPathComponent(file.relativePath))
            byName["knowledge/\(url.deletingPathExtension().lastPathComponent)/\(url.lastPathComponent)"] = url
        }
        #expect(byName.keys.sorted() == ["knowledge/faq/faq.jsonl", "knowledge/transport/transport.jsonl"])
        let fromFiles = try LocalVectorIndex(directory: directory.appending("index-files"))
        _ = try await ingest(byName.keys.sorted(), from: FileObjectStore(files: byName), into: fromFiles)
        #expect(try await fromFiles.namespaces() == namespaces)
        func unsourced(_ entries: [IndexEntry]) -> [IndexEntry] {
            entries.map { entry -> IndexEntry in
                var entry = entry
                entry.source = ""
                return entry
            }
        }
        for namespace in namespaces {
            let before = try await original.entries(in: namespace)
            let after = try await fromFiles.entries(in: namespace)
            #expect(unsourced(after) == unsourced(before), "\(namespace)")
        }
    }

    @Test func anEmptyIndexExportsNothingAndANamespaceOnlyItsOwnEntries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let index = try LocalVectorIndex(directory: directory.appending("index"))
        #expect(try await KnowledgeExport.entries(of: index).isEmpty)
        #expect(KnowledgeExport.files(from: []).isEmpty)

        try await index.upsert([
            IndexEntry(id: "a", namespace: "one", vector: [1, 0], question: "Q a?", answer: "A a.", context: "", source: "knowledge/one/f.jsonl"),
            IndexEntry(id: "b", namespace: "two", vector: [0, 1], question: "Q b?", answer: "A b.", context: "", source: "knowledge/one/f.jsonl"),
        ])
        #expect(try await KnowledgeExport.entries(of: index).map(\.id) == ["a", "b"])
        #expect(try await KnowledgeExport.entries(of: index, namespace: "two").map(\.id) == ["b"])
        #expect(try await KnowledgeExport.entries(of: index, namespace: "missing").isEmpty)
        #expect(try await KnowledgeExport.entries(of: index, namespace: "../index/one").isEmpty, "only a namespace the index lists is read")
    }
}
