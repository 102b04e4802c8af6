TestVideoFile = {};
% Test001
TestVideoFile{end+1}.gt_frame = [61:180];
TestVideoFile{end+1}.gt_frame = [95:180];
TestVideoFile{end+1}.gt_frame = [1:146]; % comment
TestVideoFile{end+1}.gt_frame = [31:168, 170:172];
TestVideoFile{end+1}.gt_frame = [1:129 ; 140];
