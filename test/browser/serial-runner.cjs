// Jest runner for the browser project (test/browser): the stock runner, told
// to run serially, in band, so that a Chromium run and the Node peers it
// talks to never share the machine with the parallel main suite.
const TestRunner = require('jest-runner').default

class SerialRunner extends TestRunner {
  isSerial = true
}

module.exports = SerialRunner
