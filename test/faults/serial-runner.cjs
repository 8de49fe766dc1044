// Jest runner for the fault suite (test/faults): the stock runner, told to
// run serially, in band. Jest runs the tests of one runner after those of
// another, so the scenarios neither overlap each other nor the parallel main
// suite: their timings are measured on a machine they do not share with
// Jest's own workers. One invocation, one results file, one set of counts.
const TestRunner = require('jest-runner').default

class SerialRunner extends TestRunner {
  isSerial = true
}

module.exports = SerialRunner
