export default {
  test: {
    retry: 2,
    reporters: ['default', 'junit'],
    outputFile: { junit: 'report.xml' },
  },
};
