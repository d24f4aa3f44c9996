import Foundation

extension SummaryWriter {
    /// Logs a run's hyperparameters and its final metrics for TensorBoard's HParams dashboard.
    ///
    /// Writes, into this run, what PyTorch's `add_hparams` writes into a sub-run: the hparams
    /// plugin's experiment, session-start (the values) and session-end (status success) summaries,
    /// then each metric as a scalar at `step`. Call it once per run.
    ///
    /// ```swift
    /// try writer.addHyperparameters(["lr": 1e-3, "batch": 64, "optimizer": "adam"],
    ///                               metrics: ["accuracy": 0.91, "loss": 0.27])
    /// ```
    public func addHyperparameters(_ hparams: [String: HyperparameterValue], metrics: [String: Double],
                                   step: Int = 0, wallTime: Date? = nil) throws {
        let time = (wallTime ?? Date()).timeIntervalSince1970
        let sorted = hparams.sorted { $0.key < $1.key }
        let infos = sorted.map { name, value -> HParams.HParamInfo in
            switch value {
            case .number: return .init(name: name, type: .float64)
            case .string: return .init(name: name, type: .string)
            case .bool: return .init(name: name, type: .bool)
            }
        }
        let metricTags = metrics.keys.sorted()
        let experiment = HParams.PluginData.experiment(
            .init(hparamInfos: infos, metricInfos: metricTags.map { HParams.MetricInfo(tag: $0) }))
        let start = HParams.PluginData.sessionStartInfo(.init(hparams: sorted.map { ($0.key, $0.value) },
                                                              startTimeSeconds: time))
        let end = HParams.PluginData.sessionEndInfo(.init(status: .success, endTimeSeconds: time))
        var events = [
            experiment.summaryValue(tag: HParams.experimentTag),
            start.summaryValue(tag: HParams.sessionStartInfoTag),
            end.summaryValue(tag: HParams.sessionEndInfoTag),
        ].map { event(.summary(Summary(values: [$0])), step: 0, wallTime: wallTime) }
        let metricValues = metricTags.compactMap { tag in metrics[tag].map { Summary.Value(tag: tag, simpleValue: Float($0)) } }
        if !metricValues.isEmpty {
            events.append(event(.summary(Summary(values: metricValues)), step: step, wallTime: wallTime))
        }
        try fileWriter.write(events)
    }
}
