"""Recording a pytest run: annotate reports where tests run, record them in the controller."""
