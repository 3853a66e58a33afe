import Testing
@testable import Kafka

@Suite struct OffsetTrackerTests {
    let partition = KafkaTopicPartition(topic: "t", partition: 0)

    @Test func storesOnlyWhenEveryEarlierRecordFinished() {
        var tracker = OffsetTracker()
        for offset in 10...12 { tracker.started(partition, offset: Int64(offset)) }
        #expect(tracker.finished(partition, offset: 12) == nil)
        #expect(tracker.finished(partition, offset: 11) == nil)
        #expect(tracker.finished(partition, offset: 10) == 13)
    }

    @Test func inOrderCompletionAdvancesEachTime() {
        var tracker = OffsetTracker()
        tracker.started(partition, offset: 0)
        tracker.started(partition, offset: 1)
        #expect(tracker.finished(partition, offset: 0) == 1)
        #expect(tracker.finished(partition, offset: 1) == 2)
    }

    @Test func partitionsAreIndependent() {
        var tracker = OffsetTracker()
        let other = KafkaTopicPartition(topic: "t", partition: 1)
        tracker.started(partition, offset: 5)
        tracker.started(other, offset: 7)
        #expect(tracker.finished(other, offset: 7) == 8)
        #expect(tracker.inFlightCount(partition) == 1)
    }

    @Test func revokedPartitionStoresNothing() {
        var tracker = OffsetTracker()
        tracker.started(partition, offset: 3)
        tracker.revoke([partition])
        #expect(tracker.finished(partition, offset: 3) == nil)
    }

    @Test func duplicateCompletionIsIgnored() {
        var tracker = OffsetTracker()
        tracker.started(partition, offset: 3)
        #expect(tracker.finished(partition, offset: 3) == 4)
        #expect(tracker.finished(partition, offset: 3) == nil)
    }
}
