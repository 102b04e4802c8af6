import NeuralNet

extension Threads {
    /// The thread plan of `train` and `score`: network batches are split over Swift workers with single-threaded
    /// GEMMs (faster than threaded GEMMs on these small matrices: `ssmtl bench nn` vs `--blas-threads`). The
    /// detector runs on the data thread beside the network, so a Darknet detector or teacher gets single-threaded
    /// GEMMs too (the plan is process-wide).
    static func configureForPipeline(threads: Int) {
        configure(threads: threads, preferBLAS: false)
    }
}
