// A test file that cannot load: jest reports the whole file as failed.
throw new Error('this file cannot load');
