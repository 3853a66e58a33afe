import Foundation
import LocalProviders
import RAGCore
import Testing

/// The index records the embedding model of its vectors, so that vectors of two models never mix.
@Suite struct LocalVectorIndexModelTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("index-\(UUID().uuidString)")
    let lexical = EmbeddingModel(id: "ragline-lexical-3", dimensions: 3)
    let miniLM = EmbeddingModel(id: "sentence-transformers/all-MiniLM-L6-v2", dimensions: 384)

    func entry(_ id: String, _ vector: [Float], namespace: String = "ns") -> IndexEntry {
        IndexEntry(id: id, namespace: namespace, vector: vector, question: "Q \(id)", answer: "A \(id)", context: "", source: "knowledge/ns/f.jsonl")
    }

    @Test func bindingAnEmptyIndexRecordsTheModel() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory)
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == nil)
        #expect(await index.boundModel == nil)

        try await index.bind(model: lexical.id, dimensions: lexical.dimensions)
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
        #expect(await index.boundModel == lexical)
        try await index.upsert([entry("a", [1, 0, 0])])
        // The record is not taken for a namespace.
        #expect(try await index.namespaces() == ["ns"])
        #expect(try await index.query(vector: [1, 0, 0], topK: 1, namespace: nil).first?.id == "a")
    }

    @Test func rebindingWithTheSameModelKeepsTheVectors() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try LocalVectorIndex(directory: directory, model: lexical)
        try await writer.upsert([entry("a", [1, 0, 0])])

        let reader = try LocalVectorIndex(directory: directory, model: lexical)
        try await reader.bind(model: lexical.id, dimensions: lexical.dimensions)
        try await writer.bind(model: lexical.id, dimensions: lexical.dimensions)
        #expect(try await reader.counts() == ["ns": 1])
        #expect(try await reader.query(vector: [1, 0, 0], topK: 1, namespace: "ns").first?.id == "a")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
    }

    @Test func anotherModelIsRefusedWithOneLineNamingBoth() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Bound, without vectors yet: the record alone binds.
        _ = try LocalVectorIndex(directory: directory, model: lexical)
        let unfilled = #expect(throws: EmbeddingModelError.self) {
            try LocalVectorIndex(directory: directory, model: miniLM)
        }
        #expect(unfilled?.description.contains("is bound to ragline-lexical-3 (3 dimensions), not sentence-transformers/all-MiniLM-L6-v2 (384)") == true, "\(String(describing: unfilled))")

        try await LocalVectorIndex(directory: directory, model: lexical).upsert([entry("a", [1, 0, 0])])
        let index = try LocalVectorIndex(directory: directory)
        let error = await #expect(throws: EmbeddingModelError.self) {
            try await index.bind(model: miniLM.id, dimensions: miniLM.dimensions)
        }
        #expect(error?.code == .otherModel)
        let message = error?.description ?? ""
        #expect(message.hasPrefix("the index at "), "\(message)")
        #expect(message.contains("holds vectors of ragline-lexical-3 (3 dimensions), not sentence-transformers/all-MiniLM-L6-v2 (384)"), "\(message)")
        #expect(message.contains("remove \(directory) and re-ingest the knowledge"), "\(message)")
        #expect(message.contains("RAGLINE_EMBEDDER back to the embedder of ragline-lexical-3"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(await index.boundModel == nil, "a refused model is not bound")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
        #expect(try await index.counts() == ["ns": 1])
    }

    @Test func theSameModelAtAnotherDimensionIsRefused() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await LocalVectorIndex(directory: directory, model: lexical).upsert([entry("a", [1, 0, 0])])
        let error = #expect(throws: EmbeddingModelError.self) {
            try LocalVectorIndex(directory: directory, model: EmbeddingModel(id: lexical.id, dimensions: 4))
        }
        #expect(error?.code == .otherModel)
        #expect(error?.description.contains("holds vectors of ragline-lexical-3 (3 dimensions), not ragline-lexical-3 (4)") == true, "\(String(describing: error))")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
    }

    @Test func vectorsOfAnotherDimensionAreRefused() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory, model: lexical)
        try await index.upsert([entry("a", [1, 0, 0])])

        let error = await #expect(throws: EmbeddingModelError.self) {
            try await index.upsert([entry("b", [0, 1, 0]), entry("c", [1, 0])])
        }
        #expect(error?.code == .otherDimensions)
        #expect(error?.description.contains("vector \"c\"") == true, "\(String(describing: error))")
        #expect(try await index.counts() == ["ns": 1], "nothing of a refused batch is stored")

        // An index opened without binding goes by the record.
        let unbound = try LocalVectorIndex(directory: directory)
        await #expect(throws: EmbeddingModelError.self) {
            try await unbound.upsert([entry("d", [1, 0, 0, 0])])
        }
        try await unbound.upsert([entry("d", [0, 0, 1])])
        // A bound index refuses a query vector of another dimension.
        let query = await #expect(throws: EmbeddingModelError.self) {
            try await index.query(vector: [1, 0], topK: 1, namespace: nil)
        }
        #expect(query?.code == .otherDimensions)
        #expect(try await index.counts() == ["ns": 2])
    }

    @Test func anIndexWithoutRecordNeverMixesDimensions() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory)
        let mixed = await #expect(throws: EmbeddingModelError.self) {
            try await index.upsert([entry("a", [1, 0, 0]), entry("b", [1, 0])])
        }
        #expect(mixed?.code == .otherDimensions)
        try await index.upsert([entry("a", [1, 0, 0])])
        let error = await #expect(throws: EmbeddingModelError.self) {
            try await index.upsert([entry("b", [1, 0])])
        }
        #expect(error?.description.contains("holds vectors of an unrecorded model (3 dimensions)") == true, "\(String(describing: error))")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == nil, "an unbound index does not know its model")
        #expect(try await index.counts() == ["ns": 1])
    }

    @Test func anIndexFromBeforeTheRecordIsAdoptedWhenItsDimensionFits() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A namespace file as written before records (and before alternate questions), and one as written since.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try #"{"namespace":"ns","entries":[{"id":"a","question":"Q a","answer":"A a","context":"","source":"s","vector":[1,0,0]}]}"#
            .write(toFile: (directory as NSString).appendingPathComponent("ns.json"), atomically: true, encoding: .utf8)
        try await LocalVectorIndex(directory: directory).upsert([entry("b", [0, 1, 0], namespace: "other")])
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == nil)

        let refused = #expect(throws: EmbeddingModelError.self) {
            try LocalVectorIndex(directory: directory, model: miniLM)
        }
        #expect(refused?.code == .otherModel)
        #expect(refused?.description.contains("holds vectors of an unrecorded model (3 dimensions), not sentence-transformers/all-MiniLM-L6-v2 (384)") == true, "\(String(describing: refused))")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == nil, "a refused model is not recorded")

        let adopted = try LocalVectorIndex(directory: directory, model: lexical)
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
        #expect(try await adopted.counts() == ["ns": 1, "other": 1])
        #expect(try await adopted.query(vector: [1, 0, 0], topK: 1, namespace: nil).first?.id == "a")
        // Adopted, the index now refuses another model by name.
        let later = #expect(throws: EmbeddingModelError.self) {
            try LocalVectorIndex(directory: directory, model: EmbeddingModel(id: "other-model", dimensions: 3))
        }
        #expect(later?.description.contains("holds vectors of ragline-lexical-3 (3 dimensions), not other-model (3)") == true)
    }

    @Test func aBoundIndexNoticesItsDirectoryRefilledByAnotherModel() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let retriever = try LocalVectorIndex(directory: directory, model: lexical)
        try await retriever.upsert([entry("a", [1, 0, 0])])
        // Another process removes the index and fills it with another model of the same dimension.
        try FileManager.default.removeItem(atPath: directory)
        let sameSize = EmbeddingModel(id: "other-model", dimensions: 3)
        try await LocalVectorIndex(directory: directory, model: sameSize).upsert([entry("b", [1, 0, 0])])

        let error = await #expect(throws: EmbeddingModelError.self) {
            try await retriever.query(vector: [1, 0, 0], topK: 1, namespace: nil)
        }
        #expect(error?.code == .otherModel)
        await #expect(throws: EmbeddingModelError.self) {
            try await retriever.upsert([entry("c", [1, 0, 0])])
        }
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == sameSize)
    }

    @Test func aBoundIndexRecordsItsModelAgainWhenTheDirectoryWasEmptied() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let index = try LocalVectorIndex(directory: directory, model: lexical)
        try FileManager.default.removeItem(atPath: directory)
        try await index.upsert([entry("a", [1, 0, 0])])
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == lexical)
        #expect(try await index.counts() == ["ns": 1])
    }

    @Test func concurrentBindersOfANewIndexAgreeOnTheFirst() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory
        let models = (1...8).map { EmbeddingModel(id: "model-\($0)", dimensions: 3) }
        let bound = await withTaskGroup(of: EmbeddingModel?.self, returning: [EmbeddingModel].self) { group in
            for model in models {
                group.addTask {
                    do {
                        _ = try LocalVectorIndex(directory: path, model: model)
                        return model
                    } catch {
                        return nil
                    }
                }
            }
            var winners: [EmbeddingModel] = []
            for await model in group {
                if let model { winners.append(model) }
            }
            return winners
        }
        #expect(bound.count == 1, "exactly one of the binders records its model")
        #expect(try LocalVectorIndex.recordedModel(inDirectory: directory) == bound.first)
    }
}
