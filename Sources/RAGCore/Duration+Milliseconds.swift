extension Duration {
    /// The duration in (fractional) milliseconds, the unit of every timing Ragline reports.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

extension Duration {
    /// The duration in (fractional) seconds, the unit of the timeout settings.
    public var seconds: Double {
        milliseconds / 1000
    }

    /// Whole milliseconds, the unit of librdkafka's timeouts.
    public var wholeMilliseconds: Int {
        Int(milliseconds.rounded())
    }
}
